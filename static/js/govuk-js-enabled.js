// GOV.UK Frontend's "JavaScript is on" classes, set before the page is drawn (so no flash of the
// no-JavaScript layout). A file of its own: the Content Security Policy runs no inline script.
document.body.className += " js-enabled" + ("noModule" in HTMLScriptElement.prototype ? " govuk-frontend-supported" : "");
