// The contract page (G4): press each seal box by tapping it, a 「次へ」 guide from field to
// field, and the confirmation summary kept in step with what was entered.
(function () {
  var form = document.getElementById('sign-form');
  if (!form) return;
  var fields = Array.prototype.slice.call(form.querySelectorAll('.field'));
  var next = document.getElementById('next');
  var remaining = document.getElementById('remaining');
  var confirm = document.getElementById('confirm');

  function sealInput(box) { return document.getElementById('seal_' + box.dataset.field); }

  function filled(box) {
    if (box.classList.contains('box-signature')) return sealInput(box).value === '1';
    var input = box.querySelector('input');
    if (!input.required) return true;
    return input.type === 'checkbox' ? input.checked : input.value.trim() !== '';
  }

  function press(box) {
    var on = box.getAttribute('aria-pressed') !== 'true';
    var img = box.querySelector('.seal');
    if (on && !img.getAttribute('src')) img.src = img.dataset.src;
    img.hidden = !on;
    box.querySelector('.tap').hidden = on;
    box.setAttribute('aria-pressed', on ? 'true' : 'false');
    sealInput(box).value = on ? '1' : '';
    update();
  }

  function update() {
    var open = fields.filter(function (b) { return !filled(b); });
    fields.forEach(function (b) { b.classList.toggle('done', filled(b)); });
    remaining.textContent = open.length
      ? remaining.dataset.template.replace('{n}', open.length) : remaining.dataset.done;
    next.textContent = open.length ? next.dataset.next : next.dataset.confirm;
    var seals = fields.filter(function (b) { return b.classList.contains('box-signature'); });
    var count = document.getElementById('seal-count');
    count.textContent = count.dataset.template
      .replace('{done}', seals.filter(filled).length).replace('{all}', count.dataset.all);
    form.querySelectorAll('#summary dd[data-for]').forEach(function (dd) {
      var text = document.getElementById('text_' + dd.dataset.for);
      var check = document.getElementById('check_' + dd.dataset.for);
      if (text) dd.textContent = text.value.trim() || dd.dataset.empty;
      if (check) dd.textContent = check.checked ? dd.dataset.on : dd.dataset.off;
    });
  }

  function go(box) {
    box.scrollIntoView({ behavior: 'smooth', block: 'center' });
    var target = box.classList.contains('box-signature') ? box : box.querySelector('input');
    target.focus({ preventScroll: true });
  }

  fields.forEach(function (box) {
    if (box.classList.contains('box-signature')) {
      box.addEventListener('click', function () { press(box); });
    } else {
      box.querySelector('input').addEventListener('input', update);
      box.querySelector('input').addEventListener('change', update);
    }
  });

  next.addEventListener('click', function () {
    var active = document.activeElement && document.activeElement.closest('.field');
    var start = active ? fields.indexOf(active) + 1 : 0;
    var order = fields.slice(start).concat(fields.slice(0, start));
    var open = order.filter(function (b) { return !filled(b); });
    if (open.length) { go(open[0]); return; }
    confirm.scrollIntoView({ behavior: 'smooth', block: 'start' });
    document.getElementById('agree').focus({ preventScroll: true });
  });

  form.addEventListener('submit', function (event) {
    var open = fields.filter(function (b) { return !filled(b); });
    var agree = document.getElementById('agree');
    var message = open.length ? (open[0].classList.contains('box-signature')
      ? document.getElementById('msg-seals').textContent : null) : null;
    if (open.length) {
      event.preventDefault();
      go(open[0]);
      if (!message) open[0].querySelector('input').reportValidity();
      else alertOnce(message);
      return;
    }
    if (!agree.checked) {
      event.preventDefault();
      alertOnce(document.getElementById('msg-agree').textContent);
      agree.focus();
    }
  });

  function alertOnce(text) {
    var box = document.getElementById('sign-error');
    if (!box) {
      box = document.createElement('p');
      box.id = 'sign-error';
      box.className = 'error';
      box.setAttribute('role', 'alert');
      confirm.insertBefore(box, confirm.querySelector('.statement'));
    }
    box.textContent = text;
  }

  update();
})();
