// The console's words: shared, the glossary's for staff, its own.
import { useTexts } from '/common/texts.js';
import own from './messages.js';

useTexts('staff', own);
