/*
 * Every save that fails says so: one mechanism for every htmx form of the portal.
 *
 * It covers every htmx request inside an element marked `data-autosave` (the autosaving
 * forms) and every other htmx request that is not a GET (any htmx form). When a save fails
 * (no connection, timeout, 4xx, 5xx, or a redirect away, e.g. to the sign-in page) it
 *   - keeps what the user typed: failed responses are never swapped in;
 *   - removes the stale "Saved" indication (`[data-autosave-saved]`);
 *   - marks the form and each field whose value is not saved;
 *   - shows beside the field (after `[data-autosave-status]`, else at the end of the form) an
 *     alert naming the kind of failure, with a Retry button that sends the save again;
 *   - asks before the page is left while the failure stands.
 * A later successful save clears all of it.
 *
 * Typing saves too: in an autosave form whose own trigger waits for no typing, a text field
 * sends its `change` after a pause of TYPING_PAUSE ms (the form's `hx-sync="this:queue last"`
 * keeps the saves in order). Any input marks the form dirty (`data-autosave-dirty`) until a
 * save of exactly those values succeeds; while a form is dirty, saving, failed, refused or
 * held back by the browser's own validation (`htmx:validation:halted`, shown like a failure
 * with the browser's message), leaving the page asks first.
 *
 * A refusal the server renders itself (a validation error, a stale version with both values)
 * carries `data-autosave-refused`: such a 4xx response is swapped in like a success, and the
 * fields stay marked as not saved until a save succeeds.
 *
 * The texts come from <template id="autosave-texts"> in base.html (translated); English is
 * the fallback. The pages work without this file: every form is a plain POST as well.
 */
(function () {
  "use strict";

  var FALLBACK = {
    heading: "Not saved:",
    kept: "Your input is kept on this page.",
    retry: "Retry",
    retrying: "Saving again…",
    unsaved: "Not saved",
    network: "No connection to the server.",
    timeout: "The server did not answer in time.",
    server: "The server had a problem (error {status}).",
    client: "The server refused the save (error {status}).",
    session: "You are signed out or no longer allowed to change this. Sign in again (for example in another tab), then retry.",
    gone: "This no longer exists or can no longer be changed. Reload the page.",
    busy: "Too many saves in a short time. Wait a moment, then retry.",
    large: "The input is too large to be saved.",
    invalid: "Complete or correct the input first:"
  };
  var TYPING_PAUSE = 1000;
  var texts = null;
  var counter = 0;

  function text(key) {
    if (texts === null) {
      texts = {};
      var holder = document.getElementById("autosave-texts");
      var root = holder && holder.content ? holder.content : holder;
      if (root) {
        root.querySelectorAll("[data-key]").forEach(function (node) {
          texts[node.getAttribute("data-key")] = node.textContent.trim();
        });
      }
    }
    return texts[key] || FALLBACK[key] || "";
  }

  function kindOf(status) {
    if (status === 401 || status === 403) return "session";
    if (status === 404 || status === 410) return "gone";
    if (status === 413) return "large";
    if (status === 429) return "busy";
    if (status >= 500) return "server";
    return "client";
  }

  function verbOf(detail) {
    var config = detail.requestConfig || {};
    return String(config.verb || "").toLowerCase();
  }

  /* The element whose save this request is: an autosave form, or any htmx form that posts. */
  function ownerOf(detail) {
    var elt = detail.elt;
    if (!elt || !elt.closest) return null;
    var marked = elt.closest("[data-autosave]");
    if (marked) return marked;
    if (verbOf(detail) === "get" || verbOf(detail) === "") return null;
    return elt.closest("form") || elt;
  }

  function controls(owner) {
    var list = owner.elements ? owner.elements : owner.querySelectorAll("input, select, textarea");
    return Array.prototype.filter.call(list, function (control) {
      if (!control.name || control.disabled) return false;
      return !/^(hidden|submit|button|reset|file|image)$/.test(control.type || "");
    });
  }

  /* name → value of every field the user edits (checked boxes only). */
  function values(owner) {
    var result = {};
    controls(owner).forEach(function (control) {
      if (!(control.name in result)) result[control.name] = "";
      if ((control.type === "radio" || control.type === "checkbox") && !control.checked) return;
      var value = control.type === "select-multiple"
        ? Array.prototype.map.call(control.selectedOptions, function (o) { return o.value; }).join("\u0000")
        : control.value;
      result[control.name] += (result[control.name] ? "\u0000" : "") + value;
    });
    return result;
  }

  function wrapperOf(control) {
    return control.closest(".field, fieldset, .rationale-field") || control;
  }

  function unmark(owner) {
    owner.classList.remove("autosave-unsaved", "autosave-failed", "autosave-refused");
    owner.removeAttribute("data-autosave-state");
    owner.querySelectorAll(".autosave-field-unsaved").forEach(function (wrapper) {
      wrapper.classList.remove("autosave-field-unsaved");
    });
    owner.querySelectorAll(".autosave-unsaved-badge").forEach(function (badge) {
      badge.remove();
    });
    owner.querySelectorAll("[data-autosave-describedby]").forEach(function (control) {
      var ids = (control.getAttribute("aria-describedby") || "").split(/\s+/).filter(function (id) {
        return id && id !== control.getAttribute("data-autosave-describedby");
      });
      if (ids.length) control.setAttribute("aria-describedby", ids.join(" "));
      else control.removeAttribute("aria-describedby");
      control.removeAttribute("data-autosave-describedby");
    });
  }

  function clearMessage(owner) {
    var message = owner._autosaveMessage;
    if (message && message.parentNode) message.parentNode.removeChild(message);
    owner._autosaveMessage = null;
  }

  /* Mark the fields whose value differs from the last saved one (all of them if none does). */
  function mark(owner, state, describedBy) {
    unmark(owner);
    owner.classList.add("autosave-unsaved", "autosave-" + state);
    owner.setAttribute("data-autosave-state", state);
    var saved = owner._autosaveSaved || {};
    var current = values(owner);
    var changed = controls(owner).filter(function (control) {
      return saved[control.name] !== current[control.name];
    });
    var marked = [];
    changed.forEach(function (control) {
      var wrapper = wrapperOf(control);
      if (describedBy) {
        var ids = (control.getAttribute("aria-describedby") || "").split(/\s+/).filter(Boolean);
        ids.push(describedBy);
        control.setAttribute("aria-describedby", ids.join(" "));
        control.setAttribute("data-autosave-describedby", describedBy);
      }
      if (marked.indexOf(wrapper) >= 0) return;
      marked.push(wrapper);
      markField(wrapper);
    });
  }

  function markField(wrapper) {
    if (wrapper.classList.contains("autosave-field-unsaved")) return;
    wrapper.classList.add("autosave-field-unsaved");
    var label = wrapper.querySelector("legend, label") || null;
    var badge = document.createElement("span");
    badge.className = "autosave-unsaved-badge";
    badge.textContent = text("unsaved");
    if (label && label !== wrapper) label.appendChild(badge);
    else wrapper.parentNode.insertBefore(badge, wrapper.nextSibling);
  }

  function place(owner, message) {
    var slot = owner.querySelector("[data-autosave-status]");
    if (slot && slot.parentNode) slot.parentNode.insertBefore(message, slot.nextSibling);
    else owner.appendChild(message);
  }

  function retry(owner) {
    var source = owner._autosaveSource;
    var button = owner._autosaveButton;
    var message = owner._autosaveMessage;
    if (message) {
      var retryButton = message.querySelector(".autosave-retry");
      if (retryButton) retryButton.disabled = true;
      var reason = message.querySelector(".autosave-reason");
      if (reason) reason.textContent = text("retrying");
    }
    // The same action again: the same button ("Keep mine"), the same link, else the form.
    if (button && owner.contains(button)) {
      button.click();
    } else if (source && source !== owner && document.body.contains(source) && source.tagName !== "FORM") {
      window.htmx.trigger(source, owner._autosaveEvent || "click");
    } else if (owner.tagName === "FORM") {
      window.htmx.trigger(owner, "submit");
    } else {
      window.htmx.trigger(owner, owner._autosaveEvent || "click");
    }
  }

  function fail(owner, kind, status, detailText, noRetry) {
    clearMessage(owner);
    owner.querySelectorAll("[data-autosave-saved]").forEach(function (chip) {
      chip.remove();
    });
    counter += 1;
    var message = document.createElement("div");
    message.className = "autosave-failure";
    message.id = "autosave-failure-" + counter;
    message.setAttribute("role", "alert");
    var heading = document.createElement("strong");
    heading.textContent = text("heading") + " ";
    var reason = document.createElement("span");
    reason.className = "autosave-reason";
    reason.setAttribute("data-kind", kind);
    reason.textContent = text(kind).replace("{status}", String(status || ""));
    if (detailText) reason.textContent += " " + detailText;
    var kept = document.createElement("span");
    kept.className = "autosave-kept";
    kept.textContent = " " + text("kept") + " ";
    var button = document.createElement("button");
    button.type = "button";
    button.className = "button-small autosave-retry";
    button.textContent = text("retry");
    button.addEventListener("click", function () {
      retry(owner);
    });
    message.appendChild(heading);
    message.appendChild(reason);
    message.appendChild(kept);
    if (!noRetry) message.appendChild(button);
    place(owner, message);
    owner._autosaveMessage = message;
    mark(owner, "failed", message.id);
  }

  function refused(owner) {
    clearMessage(owner);
    mark(owner, "refused", null);
  }

  function same(a, b) {
    if (!a || !b) return false;
    var keys = Object.keys(a);
    if (keys.length !== Object.keys(b).length) return false;
    return keys.every(function (key) { return a[key] === b[key]; });
  }

  function setDirty(owner, dirty) {
    if (dirty) owner.setAttribute("data-autosave-dirty", "");
    else owner.removeAttribute("data-autosave-dirty");
  }

  function succeeded(owner) {
    clearMessage(owner);
    unmark(owner);
    owner._autosaveSaved = owner._autosavePending || values(owner);
    // Typed on while the save was under way: that is not saved yet.
    setDirty(owner, !same(owner._autosaveSaved, values(owner)));
  }

  /* The browser's own validation held the save back: nothing was sent. Say why, beside the
     field, with the browser's message; the input stays and is marked until a save succeeds. */
  function halted(owner, errors) {
    var seen = [];
    var messages = [];
    (errors || []).forEach(function (error) {
      var control = error.elt;
      if (!control) return;
      // One message per field: a radio group reports each of its buttons.
      var duplicate = seen.some(function (other) { return other === control || (control.name && other.name === control.name); });
      if (duplicate) return;
      seen.push(control);
      var label = control.labels && control.labels.length ? control.labels[0] : null;
      var fieldset = control.closest ? control.closest("fieldset") : null;
      var legend = fieldset ? fieldset.querySelector("legend") : null;
      var name = (legend || label) ? (legend || label).textContent.replace(/\s+/g, " ").trim() : "";
      var badge = text("unsaved");
      if (name && name.slice(-badge.length) === badge) name = name.slice(0, -badge.length).trim();
      messages.push((name ? name + ": " : "") + (error.message || control.validationMessage || ""));
    });
    var detailText = messages.join(" ");
    var current = owner._autosaveMessage;
    if (current && current.parentNode && current.getAttribute("data-detail") === detailText) {
      mark(owner, "halted", current.id);
    } else {
      fail(owner, "invalid", 0, detailText, true);
      owner._autosaveMessage.setAttribute("data-detail", detailText);
      mark(owner, "halted", owner._autosaveMessage.id);
    }
    // The invalid fields are not saved either, even where they did not change.
    seen.forEach(function (control) {
      markField(wrapperOf(control));
    });
    setDirty(owner, true);
  }

  function plainText(xhr) {
    var type = (xhr.getResponseHeader && xhr.getResponseHeader("Content-Type")) || "";
    var body = xhr.responseText || "";
    return type.indexOf("text/plain") === 0 && body.length <= 300 ? body.trim() : "";
  }

  function redirectedAway(detail) {
    var xhr = detail.xhr;
    var path = detail.requestConfig && detail.requestConfig.path;
    if (!xhr || !xhr.responseURL || !path) return false;
    try {
      var asked = new URL(path, document.baseURI);
      var got = new URL(xhr.responseURL, document.baseURI);
      return asked.pathname !== got.pathname;
    } catch (error) {
      return false;
    }
  }

  function remember(root) {
    var scope = root && root.querySelectorAll ? root : document;
    var owners = Array.prototype.slice.call(scope.querySelectorAll("[data-autosave]"));
    if (scope.matches && scope.matches("[data-autosave]")) owners.push(scope);
    owners.forEach(function (owner) {
      if (!owner.getAttribute("data-autosave-state")) owner._autosaveSaved = values(owner);
    });
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    var owner = ownerOf(event.detail);
    if (!owner) return;
    var trigger = event.detail.requestConfig && event.detail.requestConfig.triggeringEvent;
    owner._autosaveSource = event.detail.elt;
    owner._autosaveEvent = trigger ? trigger.type : null;
    owner._autosavePending = values(owner);
    owner._autosaveFailure = null;
    owner._autosaveInFlight = (owner._autosaveInFlight || 0) + 1;
    // The submit button the request carries (e.g. "Keep mine"), to press again on retry.
    var formData = event.detail.requestConfig && event.detail.requestConfig.formData;
    owner._autosaveButton = null;
    if (formData && owner.querySelectorAll) {
      owner.querySelectorAll("button[name][type=submit], input[name][type=submit]").forEach(function (button) {
        if (formData.getAll(button.name).indexOf(button.value) >= 0) owner._autosaveButton = button;
      });
    }
  });

  // Decide what is swapped: a failed response never replaces what the user sees, except a
  // refusal the portal rendered for it (validation errors, a conflict with both values).
  document.addEventListener("htmx:beforeSwap", function (event) {
    var detail = event.detail;
    var owner = ownerOf(detail);
    if (!owner) return;
    var status = detail.xhr ? detail.xhr.status : 0;
    if (status >= 200 && status < 300 && redirectedAway(detail)) {
      // Sent elsewhere (the sign-in page, most likely): nothing was saved.
      detail.shouldSwap = false;
      detail.isError = true;
      owner._autosaveFailure = "session";
    } else if (status >= 400) {
      var ours = (detail.serverResponse || "").indexOf("data-autosave-refused") >= 0;
      detail.shouldSwap = ours;
      detail.isError = !ours;
    }
  });

  document.addEventListener("htmx:responseError", function (event) {
    var owner = ownerOf(event.detail);
    if (!owner) return;
    var xhr = event.detail.xhr || {};
    var kind = owner._autosaveFailure || kindOf(xhr.status);
    fail(owner, kind, xhr.status, kind === "client" || kind === "gone" ? plainText(xhr) : "");
  });

  document.addEventListener("htmx:sendError", function (event) {
    var owner = ownerOf(event.detail);
    if (owner) fail(owner, "network", 0, "");
  });

  document.addEventListener("htmx:timeout", function (event) {
    var owner = ownerOf(event.detail);
    if (owner) fail(owner, "timeout", 0, "");
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    var owner = ownerOf(event.detail);
    if (owner && owner._autosaveInFlight) owner._autosaveInFlight -= 1;
    var xhr = event.detail.xhr;
    if (!owner || !xhr || owner._autosaveFailure) return;
    if (xhr.status >= 200 && xhr.status < 300) {
      // A success, unless the portal rendered a refusal (e.g. a validation error) into it.
      var target = event.detail.target;
      var refusal = owner.querySelector("[data-autosave-refused]") ||
        (target && target.querySelector && target.querySelector("[data-autosave-refused]"));
      if (refusal) refused(owner);
      else succeeded(owner);
    } else if (xhr.status >= 400 && owner.querySelector("[data-autosave-refused]")) {
      refused(owner);
    }
  });

  document.addEventListener("htmx:validation:halted", function (event) {
    var owner = ownerOf(event.detail);
    if (owner) halted(owner, event.detail.errors);
  });

  /* A `change` (the save) on a typed-in field of an autosave form, after a pause. */
  function typedField(control) {
    if (!control || !control.closest || !control.name) return false;
    if (control.tagName === "TEXTAREA") return true;
    return control.tagName === "INPUT" && /^(text|url|email|search|tel|number)$/.test(control.type);
  }

  function savesWhileTyping(owner) {
    // A form whose own trigger already saves while typing (e.g. "keyup changed delay:…").
    return /\b(keyup|input|keydown)\b/.test(owner.getAttribute("hx-trigger") || "");
  }

  document.addEventListener("input", function (event) {
    var control = event.target;
    var owner = control && control.closest ? control.closest("[data-autosave]") : null;
    if (!owner) return;
    setDirty(owner, true);
    if (!typedField(control) || savesWhileTyping(owner)) return;
    clearTimeout(control._autosaveTimer);
    control._autosaveTimer = setTimeout(function () {
      control._autosaveTimer = null;
      if (!document.body.contains(control)) return;
      control.dispatchEvent(new Event("change", { bubbles: true }));
    }, TYPING_PAUSE);
  }, true);

  document.addEventListener("change", function (event) {
    var control = event.target;
    var owner = control && control.closest ? control.closest("[data-autosave]") : null;
    if (!owner) return;
    // The field was left (or the pause is over): its pending pause-save is this one.
    if (control._autosaveTimer) {
      clearTimeout(control._autosaveTimer);
      control._autosaveTimer = null;
    }
    if (!same(owner._autosaveSaved, values(owner))) setDirty(owner, true);
  }, true);

  // The field left after its pause-save went out: the same values again need no second save.
  document.addEventListener("htmx:confirm", function (event) {
    var detail = event.detail;
    var owner = detail.elt && detail.elt.closest ? detail.elt.closest("[data-autosave]") : null;
    var trigger = detail.triggeringEvent;
    if (!owner || !trigger || trigger.type !== "change") return;
    if (owner.getAttribute("data-autosave-state") || owner.hasAttribute("data-autosave-dirty")) return;
    if (owner._autosaveInFlight) return;
    if (same(owner._autosaveSaved, values(owner))) event.preventDefault();
  });

  // Leaving the page would drop input that is not saved (typed, under way, failed, refused or
  // held back by the browser's validation): ask first.
  window.addEventListener("beforeunload", function (event) {
    var unsaved = Array.prototype.some.call(document.querySelectorAll("[data-autosave]"), function (owner) {
      return owner.hasAttribute("data-autosave-dirty") || owner.hasAttribute("data-autosave-state") ||
        owner._autosaveInFlight > 0;
    });
    if (unsaved || document.querySelector("[data-autosave-state]")) {
      event.preventDefault();
      event.returnValue = "";
    }
  });

  document.addEventListener("htmx:load", function (event) {
    remember(event.detail.elt);
  });
  document.addEventListener("DOMContentLoaded", function () {
    remember(document);
  });
})();
