// The resident pages' words: shared, the glossary's for residents, their own.
import { useTexts } from '/common/texts.js';
import own from './messages.js';

useTexts('resident', own);
