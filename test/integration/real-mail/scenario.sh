# Fixed names of the real-mail scenario, sourced by capture.sh (Postfix and Dovecot config) and
# exported to clients.py (which writes them into expected.json).
# The password is a test secret: real-mail.test.ts asserts it never reaches mailtap's output.
export SASL_USER='mailtap-user@example.org'
export SASL_PASSWORD='Sw0rdfish-7c1e-mailtap'
export ACCEPTED_DOMAIN='example.net'
export REJECTED_RCPT='reject@example.net'
# An access(5) "5NN text" action: Postfix refuses the RCPT with this code.
export REJECTED_CODE='550'
export REJECTED_REPLY="$REJECTED_CODE 5.1.1 mailbox unavailable (mailtap test)"
# Postfix's smtpd_banner; the 220 greeting text mailtap reports as `banner`.
export SMTPD_BANNER='mx.mailtap.test ESMTP mailtap test'
