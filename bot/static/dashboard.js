// Live view of a running build: appends log lines from Server-Sent Events, keeps the
// summary current, and reloads once the build ends to show its final page.
(function () {
  "use strict";
  const page = document.getElementById("build");
  if (!page || page.dataset.live !== "yes") return;
  const log = document.getElementById("log");

  function heading(iteration) {
    if (iteration !== null) return "Iteration " + iteration;
    const looped = log.querySelector('section.iteration:not([data-iteration=""])');
    return looped ? "Wrap-up" : "Setup";
  }

  // Lines are grouped like the server groups them: consecutive lines of one iteration.
  function listFor(iteration) {
    const key = iteration === null ? "" : String(iteration);
    const last = log.lastElementChild;
    if (last && last.dataset.iteration === key) return last.querySelector("ol");
    const section = document.createElement("section");
    section.className = "iteration";
    section.dataset.iteration = key;
    const title = document.createElement("h3");
    title.textContent = heading(iteration);
    const list = document.createElement("ol");
    section.append(title, list);
    log.append(section);
    return list;
  }

  function showStatus(status) {
    const state = document.getElementById("state");
    state.textContent = status.state;
    state.className = "state state-" + status.state;
    for (const name of ["iterations", "tokens", "cost"]) {
      document.getElementById(name).textContent = status[name];
    }
    document.getElementById("tests").textContent = status.tests || "–";
    if (status.plan) document.getElementById("plan").textContent = status.plan;
  }

  const source = new EventSource(page.dataset.events);
  source.onmessage = function (event) {
    const line = JSON.parse(event.data);
    const item = document.createElement("li");
    if (line.detail) {
      // Expandable like the server-rendered lines: the step's output under its message.
      const details = document.createElement("details");
      const summary = document.createElement("summary");
      summary.textContent = line.message;
      const output = document.createElement("pre");
      output.className = "output";
      output.textContent = line.detail;
      details.append(summary, output);
      item.append(details);
    } else {
      item.textContent = line.message;
    }
    listFor(line.iteration).append(item);
  };
  source.addEventListener("status", function (event) {
    showStatus(JSON.parse(event.data));
  });
  source.addEventListener("end", function () {
    source.close();
    const live = document.getElementById("live");
    if (live) live.remove();
    window.setTimeout(function () { window.location.reload(); }, 2000);
  });
})();
