/* Verify a certificate PDF without uploading it: the browser computes the file's SHA-256
   (crypto.subtle) and asks /verify/?sha256=… . Without JavaScript, or where crypto.subtle
   is missing (a non-secure context), the form posts the file as usual. No inline script,
   nothing fetched from elsewhere: CSP-compatible. */
(function () {
  "use strict";

  function hex(buffer) {
    return Array.from(new Uint8Array(buffer))
      .map(function (b) { return b.toString(16).padStart(2, "0"); })
      .join("");
  }

  function init() {
    var form = document.getElementById("verify-file-form");
    if (!form || !window.crypto || !window.crypto.subtle || !window.FileReader) {
      return;
    }
    var input = form.querySelector("input[type=file]");
    var mode = document.getElementById("verify-file-mode");
    if (!input) {
      return;
    }
    if (mode && mode.dataset.jsText) {
      mode.textContent = mode.dataset.jsText;
    }
    form.addEventListener("submit", function (event) {
      var file = input.files && input.files[0];
      if (event.submitter && event.submitter.name === "upload") {
        return; // the visitor asked for the server's signature check
      }
      if (!file) {
        return; // the server answers with its own message
      }
      event.preventDefault();
      if (mode && mode.dataset.hashingText) {
        mode.textContent = mode.dataset.hashingText;
      }
      file.arrayBuffer().then(function (data) {
        return window.crypto.subtle.digest("SHA-256", data);
      }).then(function (digest) {
        var url = new URL(form.dataset.hashUrl, window.location.href);
        url.searchParams.set("sha256", hex(digest));
        window.location.assign(url.toString());
      }).catch(function () {
        form.submit(); // hashing failed: fall back to the upload
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
