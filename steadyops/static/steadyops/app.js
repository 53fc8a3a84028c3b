// steadyops page behaviour. No inline scripts are allowed (CSP), so everything lives here.
(function () {
  "use strict";

  document.documentElement.classList.add("js");

  function cookie(name) {
    const prefix = name + "=";
    for (const part of document.cookie.split(";")) {
      const item = part.trim();
      if (item.startsWith(prefix)) {
        return decodeURIComponent(item.slice(prefix.length));
      }
    }
    return "";
  }

  // Django checks X-CSRFToken on every unsafe request, htmx ones included.
  document.addEventListener("htmx:configRequest", function (event) {
    const token = cookie("csrftoken");
    if (token) {
      event.detail.headers["X-CSRFToken"] = token;
    }
  });

  // htmx does not swap 4xx responses by default; our forms answer 400 with the form and its errors.
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.xhr.status === 400 || event.detail.xhr.status === 422) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  function setUpMenu() {
    const toggle = document.querySelector(".menu-toggle");
    const nav = document.getElementById("site-nav");
    if (!toggle || !nav) {
      return;
    }
    toggle.addEventListener("click", function () {
      const open = toggle.getAttribute("aria-expanded") === "true";
      toggle.setAttribute("aria-expanded", open ? "false" : "true");
      nav.classList.toggle("is-open", !open);
    });
  }

  // Buttons marked data-copy="element-id" copy that element's text, e.g. a new token's secret.
  function setUpCopyButtons(root) {
    for (const button of root.querySelectorAll("[data-copy]")) {
      if (button.dataset.copyReady) {
        continue;
      }
      button.dataset.copyReady = "1";
      button.hidden = false;
      button.addEventListener("click", function () {
        const source = document.getElementById(button.dataset.copy);
        if (!source || !navigator.clipboard) {
          return;
        }
        navigator.clipboard.writeText(source.textContent.trim()).then(function () {
          button.textContent = "Copied";
        });
      });
    }
  }

  // Forms marked data-confirm="question" ask before they submit (archive, revoke, remove).
  document.addEventListener("submit", function (event) {
    const form = event.target;
    if (form instanceof HTMLFormElement && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
      event.stopPropagation();
    }
  }, true);

  document.addEventListener("DOMContentLoaded", function () {
    setUpMenu();
    setUpCopyButtons(document);
  });
  document.addEventListener("htmx:load", function (event) {
    setUpCopyButtons(event.detail.elt);
  });
})();
