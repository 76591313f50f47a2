/* Warns two minutes before a signed-in session ends for inactivity, with a button to stay signed
   in (WCAG 2.2.1), and goes to the sign-in page when it has ended. The session's clock is the
   server's (GET /accounts/session/ tells how long is left without counting as activity), so
   activity in another tab is seen before warning. No inline script: loaded from base.html. */
(function () {
  "use strict";
  var box = document.getElementById("session-timeout");
  if (!box || !window.fetch || !window.FormData) {
    return;
  }
  var statusUrl = box.getAttribute("data-status-url");
  var signInUrl = box.getAttribute("data-sign-in-url");
  var countdown = box.querySelector("[data-countdown]");
  var form = box.querySelector("form");
  var button = form.querySelector("button");
  var timer = null;
  var ticker = null;
  var deadline = 0;

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
      throw new Error("The session has ended.");
    }
    return response.json();
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
    var wasHidden = box.hidden;
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
      box.hidden = true;
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
      .catch(ended);
  }

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
      .catch(ended);
  });

  check();
})();
