# A Spanish-speaking patient: picks Español on the language screen, answers
# yes/no questions with s/n (the first letters of "Sí"/"No"), switches the
# language with F2 mid-way without losing an answer, and takes home the
# Spanish aftercare with the QR code.
. tests/e2e/lib.sh

e2e_conf
e2e_start k xterm-256color C.UTF-8
wait_for k "Welcome to"
step k F2 "Bienvenido/a a"          # the switch works before anything is answered
step k Enter "En qué idioma"
step k 2 "Su nombre"
shows k "Pregunta 2 de"
typ k "José Ñúñez"; step k Enter "Fecha de nacimiento"
shows k "Año-Mes-Día"
step k F2 "Date of birth"            # English for a moment...
step k F2 "Fecha de nacimiento"      # ...and back
typ k "1980-03-15"; step k Enter "Número de teléfono"
typ k "561 555 0199"; step k Enter "Zona del tratamiento"
step k 1 2 Enter "Embarazo y lactancia"
step k 4 Enter "Su piel hoy"
step k 9 Space Enter "Su piel en el pasado"
step k 7 Enter "Su piel y el sol"
step k 2 "Su salud"
step k 6 Enter "quimioterapia o radioterapia ahora"
step k n "Recuerda el día de su última sesión"
step k 1 "Cuándo fue su última sesión"
typ k "2015-06-01"; step k Enter "Radioterapia"
step k s "Medicinas"
step k 6 Enter "Tratamientos anteriores"
step k 7 Enter "Productos para la piel"
step k 3 Enter "Alergias"
step k 4 Enter "Su firma"
typ k "José Ñúñez"; step k Enter "Revise sus respuestas"
shows k "Su nombre: José Ñúñez"
shows k "Zona del tratamiento: Cara; Cuello"
shows k "Radioterapia: Sí"
shows k "Última quimio o radio: Sí, recuerdo el día"
shows k "Última quimio o radio el: 1 de junio de 2015"   # dates read in words
step k F10 "Un profesional revisará sus respuestas"
lacks k "Un profesional revisará su piel antes del tratamiento."   # reasons are for staff, not the lobby
step k Enter "Cuidado de la piel"
shows k "Escanee con la cámara"
got=$(qr_link k) || fail "no QR code could be read from the screen"
[ "$got" = "$LINK" ] || fail "QR code reads '$got', expected '$LINK'"
step k Enter "Welcome to"             # the next patient starts in English
[ "$(sql "select lang || ':' || outcome || ':' || flags from sessions")" = "es:review:RADIATION-AREA" ] ||
	fail "stored: $(sql 'select lang, outcome, flags from sessions')"
[ "$(sql "select value from answers where qid = 'full_name'")" = "José Ñúñez" ] ||
	fail "name stored as '$(sql "select value from answers where qid = 'full_name'")'"
[ "$(sql "select value from answers where qid = 'cancer_now'")" = "no" ] || fail "cancer_now not stored as no"
echo "ok: Spanish patient"
