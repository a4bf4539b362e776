// OurMoney: small progressive enhancements; every page also works without this file.
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  // htmx requests carry the CSRF token like forms do.
  document.addEventListener("htmx:configRequest", function (event) {
    event.detail.headers["X-CSRF-Token"] = csrfToken();
  });

  // Notices and undo rows with data-expires disappear after that many seconds.
  function expire(root) {
    root.querySelectorAll("[data-expires]").forEach(function (element) {
      if (element.dataset.timer) { return; }
      element.dataset.timer = "1";
      setTimeout(function () { element.remove(); }, Number(element.dataset.expires) * 1000);
    });
  }

  // Filters that change submit the form at once.
  function autosubmit(root) {
    root.querySelectorAll("[data-autosubmit]").forEach(function (element) {
      element.addEventListener("change", function () { element.form.requestSubmit(); });
    });
  }

  // Filters leave empty fields out of the address: "/?q=rent", not "/?q=rent&type=&month=...".
  function cleanFilterSubmit(root) {
    root.querySelectorAll("form.filters").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        var params = new URLSearchParams();
        new FormData(form).forEach(function (value, name) {
          if (value !== "") { params.append(name, value); }
        });
        event.preventDefault();
        var query = params.toString();
        window.location.assign(form.action.split("?")[0] + (query ? "?" + query : ""));
      });
    });
  }

  // The upload form refuses a file over the size limit at once, before sending it.
  function checkUploadSize(root) {
    root.querySelectorAll("form[data-max-bytes]").forEach(function (form) {
      var input = form.querySelector("input[type=file]");
      var message = form.querySelector("#upload-error");
      if (!input || !message) { return; }
      function tooBig() {
        var file = input.files && input.files[0];
        return file && file.size > Number(form.dataset.maxBytes);
      }
      input.addEventListener("change", function () {
        message.hidden = !tooBig();
        message.textContent = tooBig() ? form.dataset.tooBig : "";
      });
      form.addEventListener("submit", function (event) {
        if (tooBig()) { event.preventDefault(); message.hidden = false; message.textContent = form.dataset.tooBig; }
      });
    });
  }

  // A one-time code's time left counts down; once gone, the line says the code expired.
  function countdown(root) {
    root.querySelectorAll("[data-countdown]").forEach(function (element) {
      var end = Date.now() + Number(element.dataset.countdown) * 1000;
      var line = element.closest("[data-expired]");
      var timer = setInterval(function () {
        var left = Math.max(0, Math.round((end - Date.now()) / 1000));
        element.textContent = Math.floor(left / 60) + ":" + String(left % 60).padStart(2, "0");
        if (left === 0) {
          clearInterval(timer);
          if (line) { line.textContent = line.dataset.expired; }
        }
      }, 1000);
    });
  }

  function typingInField(event) {
    var target = event.target;
    return target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName);
  }

  // Keyboard: "n" records a new transaction, "/" jumps to search.
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typingInField(event)) { return; }
    if (event.key === "n") {
      var link = document.getElementById("new-transaction");
      window.location.href = link ? link.href : "/transactions/new";
    } else if (event.key === "/") {
      var search = document.getElementById("search");
      if (search) { event.preventDefault(); search.focus(); search.select(); }
    }
  });

  // In the desktop window (pywebview) Export saves and Import picks through the system's file
  // dialogs (see ourmoney/desktop/routes.py); in a browser they stay a download and an upload.
  function showNotice(text, isError) {
    var main = document.querySelector("main");
    if (!main || !text) { return; }
    var notice = document.createElement("div");
    notice.className = isError ? "flash flash-error" : "flash";
    notice.setAttribute("role", isError ? "alert" : "status");
    notice.id = "desktop-notice";
    notice.textContent = text;
    if (!isError) { notice.dataset.expires = "8"; }
    var old = document.getElementById("desktop-notice");
    if (old) { old.remove(); }
    main.insertBefore(notice, main.firstChild);
    expire(main);
  }

  function desktopRequest(path, body) {
    return fetch(path, {
      method: "POST",
      headers: { "X-CSRF-Token": csrfToken(), "Content-Type": "application/json" },
      body: JSON.stringify(body || {})
    });
  }

  function nativeFiles(root) {
    if (!window.pywebview) { return; }
    root.querySelectorAll("a[download]:not([data-native])").forEach(function (link) {
      link.dataset.native = "1";
      link.addEventListener("click", function (event) {
        event.preventDefault();
        desktopRequest("/desktop/v1/save", { path: link.getAttribute("href") })
          .then(function (response) { return response.json(); })
          .then(function (answer) {
            if (answer.saved) { showNotice("\u2713 " + answer.saved, false); }
            if (answer.error) { showNotice(answer.error, true); }
          });
      });
    });
    root.querySelectorAll("input[type=file]:not([data-native])").forEach(function (input) {
      input.dataset.native = "1";
      input.addEventListener("click", function (event) {
        event.preventDefault();
        desktopRequest("/desktop/v1/open").then(function (response) {
          if (response.status === 204) { return; }
          if (!response.ok) {
            showNotice(input.form && input.form.dataset.tooBig || String(response.status), true);
            return;
          }
          var name = decodeURIComponent(response.headers.get("X-File-Name") || "file");
          return response.blob().then(function (blob) {
            var transfer = new DataTransfer();
            transfer.items.add(new File([blob], name));
            input.files = transfer.files;
            input.dispatchEvent(new Event("change", { bubbles: true }));
          });
        });
      });
    });
  }
  window.addEventListener("pywebviewready", function () { nativeFiles(document); });

  document.documentElement.classList.add("js");
  document.addEventListener("DOMContentLoaded", function () {
    checkUploadSize(document);
    expire(document);
    autosubmit(document);
    cleanFilterSubmit(document);
    countdown(document);
    nativeFiles(document);
  });
  document.addEventListener("htmx:afterSettle", function (event) { expire(event.target.parentNode || document); });
})();
