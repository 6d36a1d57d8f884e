// Poll the status of unfinished report jobs and update their rows (no framework needed).
(function () {
  function poll(row) {
    fetch("/report/jobs/" + row.dataset.job, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (j) {
        row.dataset.state = j.state;
        row.querySelector(".job-percent").textContent = j.percent + "%";
        row.querySelector(".job-step").textContent = j.error || j.step;
        var cell = row.querySelector(".job-link");
        if (j.download) {
          cell.textContent = "";
          var a = document.createElement("a");
          a.href = j.download;
          a.textContent = "下载";
          cell.appendChild(a);
        }
        if (j.state === "queued" || j.state === "running") { setTimeout(function () { poll(row); }, 1000); }
      });
  }
  document.querySelectorAll("#report-jobs tr[data-job]").forEach(function (row) {
    if (row.dataset.state === "queued" || row.dataset.state === "running") { poll(row); }
  });
})();
