/* Warns two minutes before a signed-in session ends for inactivity, with a button to stay signed
   in (WCAG 2.2.1), and goes to the sign-in page when it has ended. The session's clock is the
   server's (GET /accounts/session/ tells how long is left without counting as activity), so
   activity in another tab is seen before warning. No inline script: loaded from base.html. */
(function () {
  "use strict";
  var home = document.getElementById("session-timeout");
  var template = document.getElementById("session-timeout-dialog");
  if (!home || !template || !window.fetch || !window.FormData) {
    return;
  }
  var statusUrl = home.getAttribute("data-status-url");
  var signInUrl = home.getAttribute("data-sign-in-url");
  var box = null;
  var countdown = null;
  var button = null;
  var timer = null;
  var ticker = null;
  var deadline = 0;

  // The warning is put in the page the first time it is due, and hidden (not removed) after.
  function dialog() {
    if (box) {
      return box;
    }
    home.appendChild(template.content.cloneNode(true));
    box = home.querySelector("[role=alertdialog]");
    countdown = box.querySelector("[data-countdown]");
    var form = box.querySelector("form");
    button = form.querySelector("button");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      window
        .fetch(form.action, {
          method: "POST",
          body: new FormData(form),
          credentials: "same-origin",
          headers: { Accept: "application/json" },
        })
        .then(readState)
        .then(schedule)
        .catch(failed);
    });
    box.hidden = true;
    return box;
  }

  function words(seconds) {
    if (seconds >= 60) {
      var minutes = Math.ceil(seconds / 60);
      return minutes + (minutes === 1 ? " minute" : " minutes");
    }
    return seconds + (seconds === 1 ? " second" : " seconds");
  }

  function stop() {
    window.clearTimeout(timer);
    window.clearInterval(ticker);
  }

  function ended() {
    stop();
    var here = window.location.pathname + window.location.search;
    window.location.assign(signInUrl + "?next=" + encodeURIComponent(here));
  }

  function readState(response) {
    var type = response.headers.get("Content-Type") || "";
    if (!response.ok || response.redirected || type.indexOf("application/json") === -1) {
      var error = new Error("The session has ended.");
      error.sessionEnded = true;
      throw error;
    }
    return response.json();
  }

  // A session that has ended goes to sign in; a network failure is tried again shortly.
  function failed(error) {
    if (error && error.sessionEnded) {
      ended();
    } else {
      stop();
      timer = window.setTimeout(check, 15000);
    }
  }

  function tick() {
    var left = Math.round((deadline - Date.now()) / 1000);
    if (left <= 0) {
      stop();
      check();
      return;
    }
    countdown.textContent = words(left);
  }

  function show() {
    var wasHidden = dialog().hidden;
    box.hidden = false;
    tick();
    window.clearInterval(ticker);
    ticker = window.setInterval(tick, 1000);
    if (wasHidden) {
      button.focus();
    }
  }

  function schedule(state) {
    stop();
    if (state.seconds_left <= 0) {
      ended();
      return;
    }
    deadline = Date.now() + state.seconds_left * 1000;
    var warnIn = state.seconds_left - state.warning_seconds;
    if (warnIn > 0) {
      if (box) {
        box.hidden = true;
      }
      timer = window.setTimeout(check, warnIn * 1000);
    } else {
      show();
    }
  }

  function check() {
    window
      .fetch(statusUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(readState)
      .then(schedule)
      .catch(failed);
  }

  check();
})();
