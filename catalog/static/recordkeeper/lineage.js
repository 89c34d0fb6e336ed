// The lineage explorer's graph: reads the lineage the page passed as JSON (json_script, no inline script: the CSP)
// and draws it with Cytoscape.js, upstream on the left, downstream on the right, a column per hop.
(function () {
  "use strict";

  var COLUMN_WIDTH = 230;   // a node is 200 wide
  var HOP_GAP = 70;         // between the last column of a hop and the first of the next
  var ROW_HEIGHT = 70;
  var MAX_ROWS = 12;        // a hop with more nodes takes more columns, so a dense hop stays readable
  var LABELLED_EDGES = 30;  // past this many edges only the unchecked ones keep their label (the table has all)
  var SHAPES = { field: "round-rectangle", object: "rectangle", integration: "ellipse", system: "hexagon" };

  function columns(nodes) {
    var byHop = {};
    nodes.forEach(function (node) {
      (byHop[node.hop] = byHop[node.hop] || []).push(node);
    });
    return byHop;
  }

  // Hops left to right (upstream first), each in one or more columns of at most MAX_ROWS nodes centred on the
  // start's row, sorted by name so the layout never shuffles.
  function positions(nodes) {
    var placed = {};
    var byHop = columns(nodes);
    var x = 0;
    Object.keys(byHop).map(Number).sort(function (a, b) { return a - b; }).forEach(function (hop) {
      var hopNodes = byHop[hop].sort(function (a, b) { return a.name.localeCompare(b.name); });
      var columnCount = Math.ceil(hopNodes.length / MAX_ROWS);
      var rows = Math.ceil(hopNodes.length / columnCount);
      hopNodes.forEach(function (node, index) {
        var column = Math.floor(index / rows);
        var inColumn = Math.min(rows, hopNodes.length - column * rows);
        placed[node.key] = { x: x + column * COLUMN_WIDTH, y: (index % rows - (inColumn - 1) / 2) * ROW_HEIGHT };
      });
      x += columnCount * COLUMN_WIDTH + HOP_GAP;
    });
    return placed;
  }

  // Tall enough that the densest column keeps readable labels once the graph is fitted to the box's width.
  function boxHeight(container, placed) {
    var xs = [], ys = [];
    Object.keys(placed).forEach(function (key) { xs.push(placed[key].x); ys.push(placed[key].y); });
    var width = Math.max.apply(null, xs) - Math.min.apply(null, xs) + COLUMN_WIDTH;
    var height = Math.max.apply(null, ys) - Math.min.apply(null, ys) + ROW_HEIGHT;
    var zoom = Math.min(1.2, (container.clientWidth - 60) / width);
    return Math.max(360, Math.min(1000, Math.round(height * zoom + 80)));
  }

  function nodeLabel(node) {
    var kind = node.kind === "integration" && node.integration_kind ? node.integration_kind.replace(/_/g, " ") : node.kind;
    var name = node.kind === "field" ? node.name.replace(".", ".\n") : node.name;  // Object. above Field
    return name + "\n" + kind + (node.sensitive ? " · sensitive" : "");
  }

  function edgeLabel(edge, everyLabel) {
    if (edge.unchecked) {
      return "no consent check" + (everyLabel ? " · " + edge.known_from : "");
    }
    return everyLabel ? edge.known_from : "";
  }

  // A finding's evidence path (data.evidence: its node keys) is outlined: its nodes, and the edges between two of them.
  function elements(data) {
    var evidence = {};
    (data.evidence || []).forEach(function (key) { evidence[key] = true; });
    var nodes = data.nodes.map(function (node) {
      return { group: "nodes", data: { id: node.key, label: nodeLabel(node), kind: node.kind, url: node.url || "",
        start: node.key === data.start.key ? "yes" : "no", evidence: evidence[node.key] ? "yes" : "no" } };
    });
    var everyLabel = data.edges.length <= LABELLED_EDGES;
    var edges = data.edges.map(function (edge) {
      return { group: "edges", data: { id: edge.key, source: edge.source, target: edge.target,
        label: edgeLabel(edge, everyLabel),
        unchecked: edge.unchecked ? "yes" : "no",
        evidence: evidence[edge.source] && evidence[edge.target] ? "yes" : "no" } };
    });
    return nodes.concat(edges);
  }

  var STYLE = [
    { selector: "node", style: {
      "shape": function (node) { return SHAPES[node.data("kind")] || "ellipse"; },
      "width": 200, "height": 62, "background-color": "#eef2f7", "border-width": 1.5, "border-color": "#4f5866",
      "label": "data(label)", "text-wrap": "wrap", "text-overflow-wrap": "anywhere", "text-max-width": 188,
      "text-valign": "center",
      "text-halign": "center", "font-size": 11, "color": "#1d2733", "font-family": "system-ui, sans-serif" } },
    { selector: "node[kind = 'system']", style: { "background-color": "#fff4e5", "border-color": "#8a4b00" } },
    { selector: "node[kind = 'integration']", style: { "background-color": "#f1ecfb" } },
    { selector: "node[start = 'yes']", style: { "border-width": 4, "border-color": "#1d2733", "font-weight": "bold" } },
    { selector: "node[url != '']", style: { "underlay-color": "#1d2733", "underlay-opacity": 0 } },
    { selector: "edge", style: {
      "curve-style": "bezier", "target-arrow-shape": "triangle", "width": 1.5, "line-color": "#6b7684",
      "target-arrow-color": "#6b7684", "label": "data(label)", "font-size": 9, "color": "#4f5866",
      "text-background-color": "#ffffff", "text-background-opacity": 0.9, "text-background-padding": 2,
      "text-rotation": "autorotate" } },
    { selector: "edge[unchecked = 'yes']", style: {
      "line-style": "dashed", "line-dash-pattern": [8, 4], "width": 3, "line-color": "#b3261e",
      "target-arrow-color": "#b3261e", "color": "#b3261e", "font-weight": "bold" } },
    { selector: "node[evidence = 'yes']", style: { "border-width": 5, "border-color": "#b35c00" } },
    { selector: "edge[evidence = 'yes']", style: { "width": 4, "line-color": "#b35c00", "target-arrow-color": "#b35c00" } },
  ];

  function explore(key) {
    var params = new URLSearchParams(window.location.search);
    params.set("node", key);
    return window.location.pathname + "?" + params.toString();
  }

  function draw(container, data) {
    var placed = positions(data.nodes);
    container.style.height = boxHeight(container, placed) + "px";  // CSSOM, which the CSP allows
    var cy = window.cytoscape({
      container: container, elements: elements(data), style: STYLE, minZoom: 0.2, maxZoom: 2.5,
      wheelSensitivity: 0.3, autoungrabify: true,
      layout: { name: "preset", positions: function (node) { return placed[node.id()]; }, fit: true, padding: 30 },
    });
    cy.on("tap", "node", function (event) {
      var node = event.target;
      window.location.href = node.data("url") || explore(node.id());
    });
    cy.on("mouseover", "node", function () { container.classList.add("pointing"); });
    cy.on("mouseout", "node", function () { container.classList.remove("pointing"); });
    return cy;
  }

  function start() {
    var container = document.getElementById("lineage-graph");
    var source = document.getElementById("lineage-data");
    if (!container || !source || !window.cytoscape) {
      return;
    }
    var loading = document.getElementById("lineage-graph-loading");
    var cy = draw(container, JSON.parse(source.textContent));
    cy.ready(function () {
      if (loading) { loading.hidden = true; }
      container.setAttribute("data-ready", "true");
    });
    window.recordkeeperLineage = cy;  // the browser tests find a node's place on the screen through it
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
