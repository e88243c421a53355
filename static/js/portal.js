// Progressive enhancements only: every page works without this file.
"use strict";

document.addEventListener("submit", function (event) {
  // Ask before destructive actions marked with data-confirm.
  var form = event.target;
  var question = form.getAttribute && form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});

document.addEventListener("DOMContentLoaded", function () {
  // Move focus to the first invalid field so keyboard and screen-reader users land on it.
  var invalid = document.querySelector("[aria-invalid='true']");
  if (invalid) {
    invalid.focus();
  }
});

// Sign-up: preselect the browser's own time zone (the server guessed from the language).
document.addEventListener("DOMContentLoaded", function () {
  var select = document.querySelector("select[data-detect-time-zone]");
  if (!select || !window.Intl || !Intl.DateTimeFormat) {
    return;
  }
  var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (!zone) {
    return;
  }
  for (var i = 0; i < select.options.length; i++) {
    if (select.options[i].value === zone) {
      select.value = zone;
      return;
    }
  }
});

// The customer's link: a button copies it (without JavaScript the text is there to select).
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    var input = document.getElementById(button.getAttribute("data-copy"));
    if (!input) {
      return;
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      input.focus();
      input.select();
      var done = function () { button.textContent = button.getAttribute("data-copied"); };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(input.value).then(done, function () {});
      } else if (document.execCommand && document.execCommand("copy")) {
        done();
      }
    });
  });
  document.querySelectorAll("[data-select-on-focus]").forEach(function (input) {
    input.addEventListener("focus", function () { input.select(); });
  });
});

// --- Document lines (templates/documents/_lines_form.html) -------------------------------------
// Rows are added and removed in place, a picked product fills its row, and each line's total
// and the document's totals follow the typing. The server works every amount out again on
// saving (portal/documents/calc.py); this mirrors it exactly, in integers, never floats:
//   gross = quantity × price, discount = gross × discount %, net = gross − discount,
//   tax = net × tax %, surcharge = net × surcharge %, each rounded half-up to cents as made;
//   line total = net + tax + surcharge; the document sums the lines' rounded amounts,
//   withholding = (Σ net) × withholding % rounded once, total = Σ net + Σ tax + Σ surcharge −
//   withholding. Numbers are read as portal/forms.py DecimalInput reads them.
(function () {
  var rowPattern = /lines-\d+-/g;

  function rowsOf(editor) {
    return editor.querySelectorAll("[data-line-rows] tbody [data-line-row]");
  }

  // Give each row its index again (lines-0-…, lines-1-…): WTForms reads whatever indices it is
  // sent, but a later "Add line" takes the next index from the count of rows.
  function renumber(editor) {
    var template = editor.getAttribute("data-remove-label") || "";
    Array.prototype.forEach.call(rowsOf(editor), function (row, index) {
      row.querySelectorAll("[name], [id], [for], [aria-describedby]").forEach(function (el) {
        ["name", "id", "for", "aria-describedby"].forEach(function (attr) {
          var value = el.getAttribute(attr);
          if (value) {
            el.setAttribute(attr, value.replace(rowPattern, "lines-" + index + "-"));
          }
        });
      });
      row.querySelectorAll("[data-row-number]").forEach(function (el) {
        el.textContent = String(index + 1);
      });
      row.querySelectorAll("[data-remove-line], [data-remove-fallback] input").forEach(function (el) {
        el.setAttribute("aria-label", template.replace("{n}", String(index + 1)));
      });
    });
  }

  function clearRow(row) {
    row.querySelectorAll("input, select, textarea").forEach(function (el) {
      if (el.matches("input[type=checkbox]")) {
        el.checked = false;
      } else if (el.matches("select")) {
        el.selectedIndex = 0;
      } else {
        el.value = "";
      }
      el.removeAttribute("aria-invalid");
      el.removeAttribute("aria-describedby");
    });
    row.querySelectorAll(".field-error").forEach(function (el) { el.remove(); });
    var product = row.querySelector("[data-line-product]");
    if (product) {
      product.setAttribute("data-picked", "");
    }
  }

  function addLine(editor) {
    var rows = rowsOf(editor);
    if (!rows.length) {
      return false;
    }
    var clone = rows[rows.length - 1].cloneNode(true);
    clearRow(clone);
    rows[0].parentNode.appendChild(clone);
    renumber(editor);
    var first = clone.querySelector("select, input");
    if (first) {
      first.focus();
    }
    return true;
  }

  // The last row left is emptied rather than removed: "Add line" copies a row.
  function removeLine(editor, row) {
    var rows = Array.prototype.slice.call(rowsOf(editor));
    var at = rows.indexOf(row);
    if (rows.length > 1) {
      row.remove();
      renumber(editor);
      var next = rowsOf(editor)[Math.min(at, rows.length - 2)];
      next.querySelector("[data-remove-line]").focus();
    } else {
      clearRow(row);
      row.querySelector("select, input").focus();
    }
  }

  // --- exact decimal arithmetic: a value is {m: BigInt, s: scale}, worth m × 10^-s ---------
  // Without BigInt (browsers before 2020) rows are still added and removed; no totals.
  var exact = typeof BigInt === "function";
  var ZERO = exact ? BigInt(0) : 0;
  var ONE = exact ? BigInt(1) : 1;
  var TWO = exact ? BigInt(2) : 2;
  var TEN = exact ? BigInt(10) : 10;
  var LIMIT = 20; // portal/money.py MAX_EXPONENT
  var pageMark = ".";
  var SYNTAX = /^([+-]?)(\d(?:_?\d)*)?(?:\.(\d(?:_?\d)*)?)?(?:[eE]([+-]?\d(?:_?\d)*))?$/;

  function pow10(n) {
    var result = ONE;
    for (var i = 0; i < n; i++) {
      result *= TEN;
    }
    return result;
  }

  // Python's Decimal(text) bounded as parse_decimal bounds it; null when it is not a number.
  function parseDecimal(text) {
    var match = SYNTAX.exec(text);
    if (!match || (match[2] === undefined && match[3] === undefined)) {
      return null;
    }
    var whole = (match[2] || "").replace(/_/g, "");
    var fraction = (match[3] || "").replace(/_/g, "");
    var digits = (whole + fraction).replace(/^0+/, "");
    var exponent = parseInt((match[4] || "0").replace(/_/g, ""), 10) - fraction.length;
    if (!digits || digits.length - 1 + exponent < -LIMIT) {
      return { m: ZERO, s: 0 };
    }
    var negative = match[1] === "-";
    if (digits.length - 1 + exponent >= LIMIT) {
      digits = "1";
      exponent = LIMIT;
    }
    var m = BigInt(digits);
    if (exponent > 0) {
      m *= pow10(exponent);
      exponent = 0;
    }
    return { m: negative ? -m : m, s: -exponent };
  }

  // portal/money.py quantize: half-up (away from zero on a tie), as an integer of 10^-places.
  function quantize(value, places) {
    if (value.s <= places) {
      return value.m * pow10(places - value.s);
    }
    var unit = pow10(value.s - places);
    var q = value.m / unit;
    var r = value.m % unit;
    if (r < ZERO) {
      r = -r;
    }
    if (r * TWO >= unit) {
      q += value.m < ZERO ? -ONE : ONE;
    }
    return q;
  }

  function grouped(mark) {
    return new RegExp("^[+-]?\\d{1,3}(?:\\" + mark + "\\d{3})+$");
  }

  // portal/forms.py plain_decimal: "1.234,56", "1,234.56", "692,17", "1 234,5" as Decimal
  // reads them; the page's decimal mark decides a lone comma followed by three digits.
  function plainDecimal(raw, decimalMark) {
    var text = raw.replace(/(\d)[ \u00a0\u202f](?=\d)/g, "$1");
    if (decimalMark === "," && /^[+-]?[1-9]\d{0,2}\.\d{3}$/.test(text)) {
      return null; // "1.500": a thousand and a half or one and a half? The server asks.
    }
    var hasComma = text.indexOf(",") >= 0;
    var hasPoint = text.indexOf(".") >= 0;
    if (hasComma && hasPoint) {
      var mark = text.lastIndexOf(",") > text.lastIndexOf(".") ? "," : ".";
      var group = mark === "," ? "." : ",";
      var at = text.lastIndexOf(mark);
      var whole = text.slice(0, at);
      var fraction = text.slice(at + 1);
      if (fraction.indexOf(group) >= 0 || !grouped(group).test(whole)) {
        return raw;
      }
      return whole.split(group).join("") + "." + fraction;
    }
    var marks = [",", "."];
    for (var i = 0; i < marks.length; i++) {
      if (text.split(marks[i]).length > 2) {
        return grouped(marks[i]).test(text) ? text.split(marks[i]).join("") : raw;
      }
    }
    if (hasComma) {
      if (decimalMark === "." && grouped(",").test(text)) {
        return text.replace(",", "");
      }
      return text.replace(",", ".");
    }
    return text;
  }

  // One typed cell as DecimalInput reads it: {blank}, {error} or {value} (an integer of
  // 10^-places).
  function readCell(text, places, minimum, maximum, inclusive) {
    var raw = (text || "").trim();
    if (!raw) {
      return { blank: true };
    }
    var plain = plainDecimal(raw, pageMark);
    var parsed = plain === null ? null : parseDecimal(plain);
    if (parsed === null) {
      return { error: true };
    }
    var value = quantize(parsed, places);
    var low = BigInt(minimum) * pow10(places);
    if (value < low || (!inclusive && value === low) || value > quantize(parseDecimal(maximum), places)) {
      return { error: true };
    }
    return { value: value };
  }

  // amount (cents) × percent / 100, rounded half-up to cents.
  function percentOf(cents, percent) {
    return quantize({ m: cents * percent.m, s: 4 + percent.s }, 2);
  }

  function cents(value) {
    var negative = value < ZERO;
    var text = (negative ? -value : value).toString();
    while (text.length < 3) {
      text = "0" + text;
    }
    return (negative ? "-" : "") + text.slice(0, -2) + "." + text.slice(-2);
  }

  // --- one row and the whole editor ------------------------------------------------------
  function field(row, name) {
    return row.querySelector("[data-line-field='" + name + "']");
  }

  function textOf(row, name) {
    var el = field(row, name);
    return el ? el.value : "";
  }

  function pickedOption(select) {
    return select && select.value ? select.options[select.selectedIndex] : null;
  }

  // The row's amounts in cents, null for a blank row, {invalid: true} when the server would
  // refuse the row or cannot price it yet.
  function lineAmounts(row, context) {
    var product = pickedOption(row.querySelector("[data-line-product]"));
    var quantityText = textOf(row, "quantity");
    var priceText = textOf(row, "unit_price");
    if (!product && !textOf(row, "description").trim() && !quantityText.trim() && !priceText.trim()) {
      return null;
    }
    var quantity = readCell(quantityText, 3, 0, "999999999.999", false);
    var price = readCell(priceText, 2, 0, "9999999999.99", true);
    var discount = readCell(textOf(row, "discount_percent"), 2, 0, "100", true);
    var tax = readCell(textOf(row, "tax_percent"), 2, 0, "100", true);
    var surcharge = readCell(textOf(row, "surcharge_percent"), 2, 0, "100", true);
    if (quantity.error || price.error || discount.error || tax.error || surcharge.error) {
      return { invalid: true };
    }
    if (price.blank && product) {
      price = { value: quantize(parseDecimal(product.getAttribute("data-price")), 2) };
    }
    if (quantity.blank || price.blank) {
      return { invalid: true };
    }
    var taxPercent;
    var named = pickedOption(field(row, "tax_name"));
    if (!tax.blank) {
      taxPercent = { m: tax.value, s: 2 };
    } else if (named) {
      taxPercent = parseDecimal(named.getAttribute("data-percent") || "0");
    } else if (product) {
      taxPercent = parseDecimal(product.getAttribute("data-tax") || "0");
    } else {
      taxPercent = { m: ZERO, s: 2 };
    }
    var surchargePercent = { m: ZERO, s: 2 };
    if (!surcharge.blank) {
      surchargePercent = { m: surcharge.value, s: 2 };
    } else if (context.surchargeSubject) {
      var pair = context.pairs[cents(quantize(taxPercent, 2))];
      surchargePercent = parseDecimal(pair || "0");
    }
    var gross = quantize({ m: quantity.value * price.value, s: 5 }, 2);
    var discountCents = percentOf(gross, { m: discount.blank ? ZERO : discount.value, s: 2 });
    var net = gross - discountCents;
    var taxCents = percentOf(net, taxPercent);
    var surchargeCents = percentOf(net, surchargePercent);
    return {
      gross: gross,
      discount: discountCents,
      net: net,
      tax: taxCents,
      surcharge: surchargeCents,
      total: net + taxCents + surchargeCents
    };
  }

  function documentTotals(lines, withholdingPercent) {
    var sums = { subtotal: ZERO, discount: ZERO, tax: ZERO, surcharge: ZERO };
    lines.forEach(function (line) {
      sums.subtotal += line.gross;
      sums.discount += line.discount;
      sums.tax += line.tax;
      sums.surcharge += line.surcharge;
    });
    var base = sums.subtotal - sums.discount;
    sums.withholding = percentOf(base, withholdingPercent);
    sums.total = base + sums.tax + sums.surcharge - sums.withholding;
    return sums;
  }

  function formatter(editor) {
    var locale = editor.getAttribute("data-locale") || document.documentElement.lang || undefined;
    var currency = editor.getAttribute("data-currency");
    try {
      // Grouping as Babel groups on the server ("1.234,50 US$" in Spanish, not "1234,50").
      return new Intl.NumberFormat(locale, {
        style: "currency", currency: currency, useGrouping: "always"
      });
    } catch (error) {
      return new Intl.NumberFormat(locale, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
    }
  }

  function show(output, amount, format) {
    // Written only when it changes: each document total is a live region.
    var text = amount === null ? "—" : format.format(cents(amount));
    if (output.textContent !== text) {
      output.textContent = text;
    }
    if (amount === null) {
      output.removeAttribute("data-amount");
    } else {
      output.setAttribute("data-amount", cents(amount));
    }
  }

  function contextOf(editor) {
    var form = editor.form || editor.closest("form");
    var customer = form && form.elements.customer_id;
    var option = customer && customer.tagName === "SELECT" ? pickedOption(customer) : null;
    var pairs = {};
    (editor.getAttribute("data-surcharge-pairs") || "").split(" ").forEach(function (pair) {
      var parts = pair.split(":");
      if (parts.length === 2) {
        pairs[parts[0]] = parts[1];
      }
    });
    var withholding = form && form.elements.withholding_percent;
    var percent = readCell(withholding ? withholding.value : "", 2, 0, "100", true);
    return {
      surchargeSubject: !!(option && option.getAttribute("data-surcharge")),
      pairs: pairs,
      withholding: { m: percent.value || ZERO, s: 2 }
    };
  }

  function recompute(editor) {
    if (!exact) {
      return;
    }
    var context = contextOf(editor);
    var format = formatter(editor);
    var lines = [];
    Array.prototype.forEach.call(rowsOf(editor), function (row) {
      var amounts = lineAmounts(row, context);
      var output = row.querySelector("[data-line-total]");
      if (amounts === null) {
        output.textContent = "";
        output.removeAttribute("data-amount");
      } else if (amounts.invalid) {
        show(output, null, format);
      } else {
        show(output, amounts.total, format);
        lines.push(amounts);
      }
    });
    var totals = documentTotals(lines, context.withholding);
    var box = editor.querySelector("[data-line-totals]");
    Object.keys(totals).forEach(function (name) {
      var output = box.querySelector("[data-total='" + name + "']");
      if (output) {
        show(output, totals[name], format);
      }
      box.querySelectorAll("[data-if-total='" + name + "']").forEach(function (el) {
        el.hidden = totals[name] === ZERO;
      });
    });
  }

  // --- picking a product --------------------------------------------------------------------
  function decimalMark(editor) {
    try {
      var parts = new Intl.NumberFormat(editor.getAttribute("data-locale") || undefined).formatToParts(1.5);
      for (var i = 0; i < parts.length; i++) {
        if (parts[i].type === "decimal") {
          return parts[i].value;
        }
      }
    } catch (error) {
      // formatToParts missing: the server reads a point anywhere
    }
    return ".";
  }

  function sameNumber(text, other) {
    if (!exact) {
      return text === other;
    }
    var a = readCell(text, 2, 0, "9999999999.99", true);
    var b = readCell(other, 2, 0, "9999999999.99", true);
    return a.value !== undefined && b.value !== undefined && a.value === b.value;
  }

  // The rule: a cell follows the product while the person has not made it their own — the
  // description when empty or still the previous product's name, the price when empty or
  // still the previous product's price, the tax % likewise unless a tax is chosen from the
  // list (a blank rate then takes the list's, as on the server). Typed values are kept.
  function pickProduct(editor, select) {
    var row = select.closest("[data-line-row]");
    var previous = null;
    var before = select.getAttribute("data-picked") || "";
    Array.prototype.forEach.call(select.options, function (option) {
      if (before && option.value === before) {
        previous = option;
      }
    });
    var product = pickedOption(select);
    var mark = decimalMark(editor);
    function follows(el, attribute, numeric) {
      var old = previous ? previous.getAttribute(attribute) || "" : "";
      var value = el.value.trim();
      return !value || (previous && (numeric ? sameNumber(value, old) : value === old));
    }
    function put(name, attribute, numeric) {
      var el = field(row, name);
      if (!el || !follows(el, attribute, numeric)) {
        return;
      }
      var value = product ? product.getAttribute(attribute) || "" : "";
      el.value = numeric ? value.replace(".", mark) : value;
    }
    put("description", "data-name", false);
    put("unit_price", "data-price", true);
    if (!pickedOption(field(row, "tax_name"))) {
      put("tax_percent", "data-tax", true);
    }
    select.setAttribute("data-picked", select.value);
  }

  // A tax chosen from the list gives its rate to a blank rate: a rate the product filled in
  // (not typed) is emptied so that the chosen tax counts, as it would had nothing been filled.
  function pickTax(row, select) {
    var product = pickedOption(row.querySelector("[data-line-product]"));
    var rate = field(row, "tax_percent");
    if (select.value && product && rate && sameNumber(rate.value.trim(), product.getAttribute("data-tax") || "")) {
      rate.value = "";
    }
  }

  // --- wiring -----------------------------------------------------------------------------
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-lines-editor]").forEach(function (editor) {
      pageMark = decimalMark(editor);
      editor.querySelectorAll("[data-remove-fallback]").forEach(function (el) { el.hidden = true; });
      editor.querySelectorAll("[data-remove-line]").forEach(function (el) { el.hidden = false; });
      editor.querySelectorAll("[data-line-product]").forEach(function (select) {
        select.setAttribute("data-picked", select.value);
      });
      var form = editor.form || editor.closest("form");
      var update = function (event) {
        var target = event.target;
        if (event.type === "change" && target.matches && target.matches("[data-line-product]")) {
          pickProduct(editor, target);
        } else if (event.type === "change" && target.matches && target.matches("[data-line-field='tax_name']")) {
          pickTax(target.closest("[data-line-row]"), target);
        }
        recompute(editor);
      };
      (form || editor).addEventListener("input", update);
      (form || editor).addEventListener("change", update);
      editor.addEventListener("click", function (event) {
        var add = event.target.closest("[data-add-line]");
        var remove = event.target.closest("[data-remove-line]");
        if (add && addLine(editor)) {
          event.preventDefault();
        } else if (remove) {
          event.preventDefault();
          removeLine(editor, remove.closest("[data-line-row]"));
        } else {
          return;
        }
        recompute(editor);
      });
      editor.querySelector("[data-line-totals]").hidden = !exact;
      recompute(editor);
    });
  });
}());
