// Shows each chosen photo back before it is sent (G3).
document.querySelectorAll('.id-side input[type=file]').forEach(function (input) {
  input.addEventListener('change', function () {
    var img = input.parentElement.querySelector('.id-preview');
    var file = input.files && input.files[0];
    if (img.dataset.url) URL.revokeObjectURL(img.dataset.url);
    if (!file) { img.hidden = true; return; }
    img.dataset.url = URL.createObjectURL(file);
    img.src = img.dataset.url;
    img.hidden = false;
  });
});
