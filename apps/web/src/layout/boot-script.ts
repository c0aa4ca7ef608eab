import { LOCALE_STORAGE_KEY } from '@/i18n/locales';
import { DEFAULT_THEME, THEME_LINK_ID, THEME_STORAGE_KEY, themeHref } from './theme';

/**
 * Runs in <head> before the first paint of the static HTML:
 * - adds the PrimeReact theme's <link id="theme-link"> for the remembered theme, first
 *   in <head> so the app's own CSS comes after it. It is not rendered by React, so the
 *   theme switch can swap it freely and hydration never sees a changed href;
 * - applies the remembered language's direction, and hides the body until React has
 *   rendered the page in that language (the I18nProvider removes `i18n-pending`; a
 *   timer does it anyway if scripts fail).
 */
export const BOOT_SCRIPT = `(function(){
var d=document.documentElement,s=null,t=${JSON.stringify(DEFAULT_THEME)},l=null;
try{s=window.localStorage;t=s.getItem(${JSON.stringify(THEME_STORAGE_KEY)})==='dark'?'dark':t;l=s.getItem(${JSON.stringify(LOCALE_STORAGE_KEY)});}catch(e){}
d.setAttribute('data-theme',t);
var k=document.createElement('link');k.id=${JSON.stringify(THEME_LINK_ID)};k.rel='stylesheet';k.setAttribute('blocking','render');
k.href=t==='dark'?${JSON.stringify(themeHref('dark'))}:${JSON.stringify(themeHref('light'))};
document.head.insertBefore(k,document.head.firstChild);
if(l==='ar'){d.lang='ar';d.dir='rtl';d.classList.add('i18n-pending');setTimeout(function(){d.classList.remove('i18n-pending')},3000);}
})();`;
