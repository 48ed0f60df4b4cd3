// rothkb client-side search: BM25 over the prebuilt search-index.json (same terms as `rothkb ask`).
(function () {
  "use strict";
  var form = document.getElementById("search-page-form");
  var input = document.getElementById("search-q");
  var status = document.getElementById("search-status");
  var list = document.getElementById("search-results");
  if (!form || !input || !status || !list) { return; }
  var index = null;

  function stem(word, syn) {
    if (Object.prototype.hasOwnProperty.call(syn, word)) { return syn[word]; }
    if (word.length <= 4 || !/^[a-z]+$/.test(word)) { return word; }
    var suffixes = ["ations", "ation", "ings", "ing", "ies", "ied", "es", "ed", "s"];
    for (var i = 0; i < suffixes.length; i++) {
      var s = suffixes[i];
      if (word.slice(-s.length) === s && word.length - s.length >= 4 && word.slice(-2) !== "ss") {
        var base = word.slice(0, -s.length);
        return (s === "ies" || s === "ied") ? base + "y" : base;
      }
    }
    return word;
  }

  function terms(text) {
    var t = text.toLowerCase().replace(/\u2019/g, "'");
    index.phrases.forEach(function (p) { t = t.replace(new RegExp(p[0], "g"), p[1]); });
    var stop = index.stopSet, out = [];
    (t.match(/[a-z0-9][a-z0-9&'-]*/g) || []).forEach(function (w) {
      w = w.replace(/^['-]+|['-]+$/g, "");
      if (w.slice(-2) === "'s") { w = w.slice(0, -2); }
      if (!w || stop[w]) { return; }
      var f = Object.prototype.hasOwnProperty.call(index.synonyms, w) ? stem(w, index.synonyms) : stem(w.replace(/-/g, ""), index.synonyms);
      f.split(" ").forEach(function (x) { if (x && !stop[x]) { out.push(x); } });
    });
    return out;
  }

  // Okapi BM25 of one document (tf map and length) against unique query terms.
  function bm25(p, q, tfs, length) {
    var score = 0;
    q.forEach(function (term) {
      var tf = tfs[term];
      if (tf) { score += p.idf[term] * tf * (p.k1 + 1) / (tf + p.k1 * (1 - p.b + p.b * length / p.avg)); }
    });
    return score;
  }

  // Same ranking as `rothkb ask`: the best short text (question, alias, title) plus a share of the whole entry.
  function search(query) {
    var q = terms(query).filter(function (x, i, a) { return a.indexOf(x) === i; });
    var results = [];
    index.docs.forEach(function (d) {
      var best = 0;
      d.shorts.forEach(function (s) { best = Math.max(best, bm25(index.short, q, s.tf, s.length)); });
      var score = best + index.weight * bm25(index.full, q, d.tf, d.length);
      if (score > 0) { results.push({ doc: d, score: score }); }
    });
    results.sort(function (a, b) { return b.score - a.score || (a.doc.url < b.doc.url ? -1 : 1); });
    return results.slice(0, 20);
  }

  function show(query) {
    list.textContent = "";
    if (!query.trim()) { status.textContent = "Type a few words, for example: spouse IRA pro-rata."; return; }
    var results = search(query);
    status.textContent = results.length ? results.length + " result(s) for \u201c" + query + "\u201d." :
      "Nothing in the knowledge base matches \u201c" + query + "\u201d. Try other words or browse the list of questions.";
    results.forEach(function (r) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = r.doc.url;
      a.textContent = r.doc.title;
      var kind = document.createElement("span");
      kind.className = "kind";
      kind.textContent = " (" + r.doc.kind + ")";
      li.appendChild(a);
      li.appendChild(kind);
      list.appendChild(li);
    });
  }

  function run() {
    var query = new URLSearchParams(window.location.search).get("q") || "";
    input.value = query;
    show(query);
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var url = new URL(window.location.href);
    url.searchParams.set("q", input.value);
    window.history.replaceState(null, "", url.toString());
    if (index) { show(input.value); }
  });

  status.textContent = "Loading the search index\u2026";
  fetch("search-index.json").then(function (r) {
    if (!r.ok) { throw new Error("HTTP " + r.status); }
    return r.json();
  }).then(function (data) {
    index = data;
    index.stopSet = {};
    data.stopwords.forEach(function (w) { index.stopSet[w] = true; });
    run();
  }).catch(function (err) {
    status.textContent = "The search index could not be loaded (" + err.message + "). Serve the site over HTTP (rothkb serve) or browse the list of questions.";
  });
}());
