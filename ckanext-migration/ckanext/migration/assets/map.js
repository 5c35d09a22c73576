/* Hover on the world map: the country, its dataset count and top objectives beside the
   pointer. The map works without it (links and <title> elements carry the same text). */
(function () {
  document.querySelectorAll(".migration-map").forEach(function (figure) {
    var tip = figure.querySelector(".migration-map-tooltip");
    if (!tip) { return; }
    figure.addEventListener("mousemove", function (event) {
      var shape = event.target.closest("[data-iso3]");
      if (!shape) { tip.hidden = true; return; }
      var box = figure.getBoundingClientRect();
      tip.textContent = "";
      var name = document.createElement("strong");
      name.textContent = shape.getAttribute("data-name");
      tip.appendChild(name);
      var count = document.createElement("div");
      count.textContent = shape.getAttribute("data-label");
      tip.appendChild(count);
      var top = shape.getAttribute("data-top");
      if (top) {
        var objectives = document.createElement("div");
        objectives.className = "small";
        objectives.textContent = top;
        tip.appendChild(objectives);
      }
      tip.style.left = (event.clientX - box.left + 14) + "px";
      tip.style.top = (event.clientY - box.top + 14) + "px";
      tip.hidden = false;
    });
    figure.addEventListener("mouseleave", function () { tip.hidden = true; });
  });
})();
