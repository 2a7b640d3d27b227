// Registers a page's texts in order: the shared ones, the glossary's words for its audience
// ('resident' or 'staff'), then the app's own. Import an app's texts.js before anything renders.
import { addMessages } from './i18n.js';
import common from './messages.js';
import { glossaryMessages } from './glossary.js';

export function useTexts(audience, own) {
  addMessages(common);
  addMessages(glossaryMessages(audience));
  addMessages(own);
}
