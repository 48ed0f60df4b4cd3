// rothkb search: MiniSearch (assets/vendor) over search-index.js, with the synonyms and stopwords of `rothkb ask`.
// The index is a script, not JSON, so search also works when the site is opened from disk (file://).
(function () {
  "use strict";
  var form = document.getElementById("search-page-form");
  var input = document.getElementById("search-q");
  var status = document.getElementById("search-status");
  var list = document.getElementById("search-results");
  if (!form || !input || !status || !list) { return; }
  var data = window.ROTHKB_SEARCH;
  if (!data || !window.MiniSearch) {
    status.textContent = "The search index could not be loaded. Browse the questions by topic instead.";
    return;
  }
  var stop = {};
  data.stopwords.forEach(function (w) { stop[w] = true; });
  var phrases = data.phrases.map(function (p) { return [new RegExp(p[0], "g"), p[1]]; });
  var syn = data.synonyms;
  var has = function (o, k) { return Object.prototype.hasOwnProperty.call(o, k); };

  // The vocabulary of `rothkb ask` (explain/search.py): phrases joined, synonyms, light stemming.
  function stem(word) {
    if (has(syn, word)) { return syn[word]; }
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
  function tokenize(text) {
    var t = text.toLowerCase().replace(/\u2019/g, "'");
    phrases.forEach(function (p) { t = t.replace(p[0], p[1]); });
    var out = [];
    (t.match(/[a-z0-9][a-z0-9&'-]*/g) || []).forEach(function (w) {
      w = w.replace(/^['-]+|['-]+$/g, "");
      if (w.slice(-2) === "'s") { w = w.slice(0, -2); }
      if (!w || stop[w]) { return; }
      var f = has(syn, w) ? stem(w) : stem(w.replace(/-/g, ""));
      f.split(" ").forEach(function (x) { if (x && !stop[x]) { out.push(x); } });
    });
    return out;
  }
  var processTerm = function (term) { return term; };

  // Two indexes, combined as `rothkb ask` does: the best short text of an entry (its question or
  // one of its aliases) plus a share of the whole entry (question, aliases, topic and answer).
  var options = { tokenize: tokenize, processTerm: processTerm, searchOptions: { tokenize: tokenize, processTerm: processTerm } };
  var full = new window.MiniSearch(Object.assign({ fields: ["title", "aliases", "topic", "text"], storeFields: ["title", "topic", "kind", "text"] }, options));
  var short = new window.MiniSearch(Object.assign({ fields: ["text"], storeFields: ["owner"] }, options));
  full.addAll(data.docs);
  var shorts = [];
  data.docs.forEach(function (d) {
    [d.title].concat(d.aliases ? d.aliases.split(" \u00b7 ") : []).forEach(function (text, i) {
      shorts.push({ id: d.id + "#" + i, owner: d.id, text: text });
    });
  });
  short.addAll(shorts);
  var WEIGHT = 0.5;

  function rank(query) {
    var best = {}, scores = {};
    short.search(query).forEach(function (r) { best[r.owner] = Math.max(best[r.owner] || 0, r.score); });
    var found = full.search(query, { boost: { title: 2, aliases: 1, topic: 0.5, text: 0.5 } });
    var maxFull = found.length ? found[0].score : 1, maxShort = 0;
    Object.keys(best).forEach(function (k) { maxShort = Math.max(maxShort, best[k]); });
    found.forEach(function (r) {
      scores[r.id] = (best[r.id] || 0) / (maxShort || 1) + WEIGHT * r.score / maxFull;
      r.combined = scores[r.id];
    });
    return found.sort(function (a, b) { return b.combined - a.combined || (a.id < b.id ? -1 : 1); });
  }

  // The sentence of the text that shares most words with the query, cut to about 30 words.
  function snippet(text, terms) {
    var sentences = text.split(/(?<=[.!?])\s+/);
    var best = sentences[0] || "", bestScore = -1;
    sentences.forEach(function (s) {
      var words = tokenize(s);
      var score = terms.filter(function (t) { return words.indexOf(t) >= 0; }).length;
      if (score > bestScore) { best = s; bestScore = score; }
    });
    var words = best.split(/\s+/);
    return words.length > 30 ? words.slice(0, 30).join(" ") + "\u2026" : best;
  }

  function show(query) {
    list.textContent = "";
    if (!query.trim()) { status.textContent = "Type a few words, for example: spouse IRA pro-rata."; return; }
    var results = rank(query);
    results = results.slice(0, 20);
    status.textContent = results.length ? results.length + " result" + (results.length > 1 ? "s" : "") + " for \u201c" + query + "\u201d." :
      "Nothing in the knowledge base matches \u201c" + query + "\u201d. Try other words or browse the questions by topic.";
    var terms = tokenize(query);
    results.forEach(function (r) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = r.id;
      a.textContent = r.title;
      var meta = document.createElement("p");
      meta.className = "meta";
      meta.textContent = r.kind + " \u00b7 " + r.topic;
      var text = document.createElement("p");
      text.className = "snippet";
      text.textContent = snippet(r.text, terms);
      li.appendChild(a);
      li.appendChild(meta);
      li.appendChild(text);
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
    try {
      var url = new URL(window.location.href);
      url.searchParams.set("q", input.value);
      window.history.replaceState(null, "", url.toString());
    } catch (e) { /* file:// pages may refuse history changes; the results still show */ }
    show(input.value);
  });
  run();
}());
