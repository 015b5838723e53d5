// The API reference (index.html): Swagger UI renders this deployment's /openapi.json. A file of its own, not
// an inline script, so the page runs under the Worker's Content-Security-Policy (script-src 'self').
/* global SwaggerUIBundle */
const documentUrl = new URL('../openapi.json', location.href).href;
document.getElementById('document-link').href = documentUrl;

SwaggerUIBundle({
  url: documentUrl,
  dom_id: '#reference',
  layout: 'BaseLayout',
  presets: [SwaggerUIBundle.presets.apis],
  deepLinking: true,
  // Swagger UI otherwise shows a badge image fetched from validator.swagger.io.
  validatorUrl: null,
  // ?url= and ?configUrl= must not make this page render (and send "Try it out" requests for) a foreign document.
  queryConfigEnabled: false,
  tryItOutEnabled: false,
  displayRequestDuration: true,
  defaultModelsExpandDepth: 0,
  onComplete() {
    document.body.dataset.state = 'ready';
  },
});
