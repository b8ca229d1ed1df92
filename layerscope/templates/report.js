/* layerscope report: optional conveniences over a page that works without them.
   Sorting (any column; numbers from data-value), a name filter and collapsible nested
   models. Each report root (.layerscope) is set up once and only ever touches elements
   inside itself, so several reports can share a page. No network, no globals. */
(function () {
  "use strict";

  function setUpDiagram(root) {
    var tools = root.querySelector(".ls-diagram-tools");
    var figure = root.querySelector(".ls-diagram");
    var button = tools && tools.querySelector('[data-ls-action="diagram-fit"]');
    if (!figure || !button) { return; }
    button.addEventListener("click", function () {
      var fit = !figure.classList.contains("ls-fit");
      figure.classList.toggle("ls-fit", fit);
      button.setAttribute("aria-pressed", fit ? "true" : "false");
      button.textContent = fit ? "Actual size" : "Fit to view";
    });
    tools.hidden = false;
  }

  function setUp(root) {
    root.setAttribute("data-ls-ready", "1");
    setUpDiagram(root);
    var table = root.querySelector("table.ls-table");
    if (!table) { return; }
    var tbody = table.tBodies[0];
    var rows = Array.prototype.slice.call(tbody.querySelectorAll("tr.ls-row"));
    /* Maps, not plain objects: a layer may well be named "__proto__" or "constructor". */
    var byPath = new Map();
    var children = new Map([["", []]]);
    rows.forEach(function (row) {
      byPath.set(row.getAttribute("data-path"), row);
    });
    rows.forEach(function (row) {
      var parent = row.getAttribute("data-parent");
      var key = parent !== null && byPath.has(parent) ? parent : "";
      if (!children.has(key)) { children.set(key, []); }
      children.get(key).push(row);
    });
    var collapsed = new Map();
    var query = "";
    var toolbar = root.querySelector(".ls-toolbar");
    var filter = root.querySelector("input.ls-filter");
    var count = root.querySelector(".ls-count");
    var resetButton = root.querySelector('[data-ls-action="model-order"]');

    function ancestors(row) {
      var out = [];
      var parent = row.getAttribute("data-parent");
      while (parent !== null && byPath.has(parent) && out.indexOf(parent) === -1) {
        out.push(parent);
        parent = byPath.get(parent).getAttribute("data-parent");
      }
      return out;
    }

    function matches(row) {
      var name = (row.getAttribute("data-name") || "").toLowerCase();
      var path = (row.getAttribute("data-path") || "").toLowerCase();
      return name.indexOf(query) !== -1 || path.indexOf(query) !== -1;
    }

    function refresh() {
      var keep = new Set();
      var shown = 0;
      if (query) {
        rows.forEach(function (row) {
          if (matches(row)) {
            keep.add(row.getAttribute("data-path"));
            ancestors(row).forEach(function (path) { keep.add(path); });
          }
        });
      }
      rows.forEach(function (row) {
        var visible;
        if (query) {
          visible = keep.has(row.getAttribute("data-path"));
        } else {
          visible = !ancestors(row).some(function (path) { return collapsed.get(path); });
        }
        row.hidden = !visible;
        if (visible) { shown += 1; }
      });
      if (count) {
        count.textContent = query ? shown + " of " + rows.length + " layers" : "";
      }
    }

    /* collapsing nested models */
    rows.forEach(function (row) {
      var path = row.getAttribute("data-path");
      if (!children.has(path) || !children.get(path).length) { return; }
      var button = document.createElement("button");
      button.type = "button";
      button.className = "ls-toggle";
      button.setAttribute("aria-expanded", "true");
      button.setAttribute("aria-label", "Collapse " + row.getAttribute("data-name"));
      button.textContent = "\u2212";
      button.addEventListener("click", function () {
        setCollapsed(path, !collapsed.get(path));
        refresh();
      });
      var inner = row.querySelector(".ls-name-inner");
      (inner || row.cells[0]).insertBefore(button, (inner || row.cells[0]).firstChild);
    });

    function setCollapsed(path, value) {
      var row = byPath.get(path);
      var button = row && row.querySelector(".ls-toggle");
      if (!button) { return; }
      collapsed.set(path, value);
      button.setAttribute("aria-expanded", value ? "false" : "true");
      button.setAttribute("aria-label", (value ? "Expand " : "Collapse ") + row.getAttribute("data-name"));
      button.textContent = value ? "+" : "\u2212";
    }

    /* sorting: siblings are sorted, children stay under their nested model */
    var headers = Array.prototype.slice.call(table.tHead.rows[0].cells);
    var sortState = { column: -1, direction: 0 };

    function cellValue(row, column, numeric) {
      var cell = row.cells[column];
      var raw = cell ? cell.getAttribute("data-value") : null;
      if (raw === null) { raw = cell ? cell.textContent : ""; }
      if (numeric) {
        var number = parseFloat(raw);
        return isNaN(number) ? -Infinity : number;
      }
      return raw.toLowerCase();
    }

    function order() {
      var out = [];
      function walk(key) {
        var list = (children.get(key) || []).slice();
        if (sortState.column >= 0) {
          var numeric = headers[sortState.column].getAttribute("data-sort-type") === "num";
          var direction = sortState.direction;
          list.sort(function (a, b) {
            var x = cellValue(a, sortState.column, numeric);
            var y = cellValue(b, sortState.column, numeric);
            if (x < y) { return -direction; }
            if (x > y) { return direction; }
            return Number(a.getAttribute("data-index")) - Number(b.getAttribute("data-index"));
          });
        }
        list.forEach(function (row) {
          out.push(row);
          walk(row.getAttribute("data-path"));
        });
      }
      walk("");
      var fragment = document.createDocumentFragment();
      out.forEach(function (row) { fragment.appendChild(row); });
      tbody.appendChild(fragment);
    }

    function sortBy(column) {
      var numeric = headers[column].getAttribute("data-sort-type") === "num";
      if (sortState.column === column) {
        sortState.direction = -sortState.direction;
      } else {
        sortState.column = column;
        sortState.direction = numeric ? -1 : 1;
      }
      headers.forEach(function (header, index) {
        if (index === column) {
          header.setAttribute("aria-sort", sortState.direction > 0 ? "ascending" : "descending");
        } else {
          header.removeAttribute("aria-sort");
        }
      });
      if (resetButton) { resetButton.hidden = false; }
      order();
    }

    headers.forEach(function (header, index) {
      if (!header.hasAttribute("data-sort-key")) { return; }
      var button = document.createElement("button");
      button.type = "button";
      button.className = "ls-sort";
      while (header.firstChild) { button.appendChild(header.firstChild); }
      header.appendChild(button);
      button.addEventListener("click", function () { sortBy(index); });
    });

    if (resetButton) {
      resetButton.addEventListener("click", function () {
        sortState = { column: -1, direction: 0 };
        headers.forEach(function (header) { header.removeAttribute("aria-sort"); });
        resetButton.hidden = true;
        order();
      });
    }

    Array.prototype.forEach.call(root.querySelectorAll("[data-ls-action$='-all']"), function (button) {
      button.addEventListener("click", function () {
        var value = button.getAttribute("data-ls-action") === "collapse-all";
        children.forEach(function (list, path) {
          if (path) { setCollapsed(path, value); }
        });
        refresh();
      });
    });

    if (filter) {
      filter.addEventListener("input", function () {
        query = filter.value.trim().toLowerCase();
        refresh();
      });
    }
    if (toolbar) { toolbar.hidden = false; }
  }

  /* Every report on the page not yet set up (fragments placed before this one included),
     plus this script's own root, which a notebook may not have attached to the page yet. */
  var roots = Array.prototype.slice.call(
    document.querySelectorAll(".layerscope:not([data-ls-ready])"));
  var own = document.currentScript && document.currentScript.closest
    ? document.currentScript.closest(".layerscope") : null;
  if (own && !own.hasAttribute("data-ls-ready") && roots.indexOf(own) === -1) {
    roots.push(own);
  }
  roots.forEach(function (root) {
    try {
      setUp(root);
    } catch (error) {
      if (window.console) { window.console.warn("layerscope: " + error); }
    }
  });
})();
