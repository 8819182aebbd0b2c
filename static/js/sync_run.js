// Follows a running sync on its admin page: polls the status endpoint and updates the figures.
// Without JavaScript the page refreshes itself (a <noscript> meta refresh) instead.
(function () {
  "use strict";
  const panel = document.getElementById("sync-status");
  if (!panel || panel.dataset.finished === "true") return;
  const url = panel.dataset.statusUrl;
  async function poll() {
    try {
      const response = await fetch(url, { headers: { Accept: "application/json" } });
      if (!response.ok) throw new Error(String(response.status));
      const data = await response.json();
      for (const node of panel.querySelectorAll("[data-field]")) {
        const value = data[node.dataset.field];
        if (value !== undefined && value !== null) node.textContent = String(value);
      }
      if (data.finished) {
        window.location.reload();  // show the final page, with what the edition changed
        return;
      }
    } catch (error) {
      // A missed poll is not worth an alert; try again on the next tick.
    }
    window.setTimeout(poll, 1000);
  }
  window.setTimeout(poll, 1000);
})();
