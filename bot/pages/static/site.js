// The only script of the pages: a form marked data-confirm asks before it is sent.
// Everything works without it (the server checks everything again).
document.addEventListener("submit", function (event) {
  var form = event.target;
  var question = form.getAttribute && form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});
