// Starts Swagger UI on this server's OpenAPI document. It is a file of its own rather than an inline script,
// so that a Content-Security-Policy of `script-src 'self'` lets it run.
window.addEventListener('load', () => {
  window.ui = window.SwaggerUIBundle({
    url: '/api/openapi.json',
    dom_id: '#swagger-ui',
    deepLinking: true,
    presets: [window.SwaggerUIBundle.presets.apis],
    layout: 'BaseLayout',
    // Swagger UI would otherwise send the document to validator.swagger.io for its badge.
    validatorUrl: null,
  });
});
