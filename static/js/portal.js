// Start GOV.UK Frontend's components (the Content Security Policy runs no inline script).
import { initAll } from "../vendor/govuk-frontend.min.js";

initAll();
