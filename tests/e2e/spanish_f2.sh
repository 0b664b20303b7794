# A Spanish speaker presses F2 first: on the language screen the focus is
# on Español, so Enter keeps Spanish instead of switching back to English.
. tests/e2e/lib.sh

e2e_conf
e2e_start k xterm-256color C.UTF-8
wait_for k "Welcome to"
step k F2 "Bienvenido/a a"
step k Enter "En qué idioma"
shows k "> 2."
step k Enter "Su nombre"
[ "$(sql "select value from answers where qid = 'language'")" = "es" ] ||
	fail "language stored as '$(sql "select value from answers where qid = 'language'")'"
echo "ok: F2 then Enter keeps Spanish"
