package export

import (
	"fmt"
	"strings"

	"github.com/smtpconf/smtpconf/smtp"
)

// phpmailerDebian is where Debian's libphp-phpmailer installs its autoloader.
const phpmailerDebian = "/usr/share/php/libphp-phpmailer/autoload.php"

// renderPHPMailer writes a PHP program (PHPMailer 6.6 or later) that sends a
// test message to the profile's From address.
func renderPHPMailer(j *job) (string, error) {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	w("<?php\n")
	b.WriteString(j.comment("// ", j.header()...))
	b.WriteString(j.comment("// ", "",
		"Run: composer require phpmailer/phpmailer && php send_test.php",
		"(or, on Debian and Ubuntu: apt install php-cli libphp-phpmailer)"))
	w(`
use PHPMailer\PHPMailer\PHPMailer;

foreach ([__DIR__ . '/vendor/autoload.php', %s] as $autoload) {
    if (is_file($autoload)) {
        require $autoload;
        break;
    }
}

const FROM_ADDR = %s;
`, phpStr(phpmailerDebian), phpStr(j.fromAddr))
	if j.auth {
		w("\n")
		b.WriteString(phpPassword(j))
	}
	w(`
$mail = new PHPMailer(true);
try {
    $mail->isSMTP();
    $mail->CharSet = PHPMailer::CHARSET_UTF8;
    $mail->Host = %s;
    $mail->Port = %d;
`, phpStr(j.p.Host), j.p.Port)
	switch j.p.Security {
	case smtp.SecurityTLS:
		w("    $mail->SMTPSecure = PHPMailer::ENCRYPTION_SMTPS; // implicit TLS\n")
	case smtp.SecuritySTARTTLS:
		w("    $mail->SMTPSecure = PHPMailer::ENCRYPTION_STARTTLS; // STARTTLS, and fail without it\n")
	default:
		w("    $mail->SMTPSecure = '';\n    $mail->SMTPAutoTLS = false; // no encryption\n")
	}
	if j.p.Security != smtp.SecurityNone {
		var opts []string
		if j.p.CAFile != "" {
			opts = append(opts, "'cafile' => "+phpStr(j.p.CAFile))
		}
		if j.p.InsecureSkipVerify {
			opts = append(opts, "'verify_peer' => false", "'verify_peer_name' => false", "'allow_self_signed' => true")
		} else {
			opts = append(opts, "'verify_peer' => true", "'verify_peer_name' => true")
		}
		if j.p.CAFile != "" {
			w("    // cafile replaces the system's trusted CAs with the profile's CA file.\n")
		}
		w("    $mail->SMTPOptions = ['ssl' => [%s]];\n", strings.Join(opts, ", "))
	}
	if j.helo != "" {
		w("    $mail->Helo = %s;\n", phpStr(j.helo))
	}
	w("    $mail->Timeout = %d; // seconds, for each network step\n", j.seconds())
	if j.auth {
		w("    $mail->SMTPAuth = true;\n")
		w("    $mail->Username = %s;\n", phpStr(j.p.Username))
		if j.oauth {
			w(`    $mail->AuthType = 'XOAUTH2';
    $mail->setOAuth(new class (%s, smtp_password()) implements \PHPMailer\PHPMailer\OAuthTokenProvider {
        private $user;
        private $token;
        public function __construct($user, $token)
        {
            $this->user = $user;
            $this->token = $token;
        }
        public function getOauth64()
        {
            return base64_encode("user=" . $this->user . "\001auth=Bearer " . $this->token . "\001\001");
        }
    });
`, phpStr(j.p.Username))
		} else {
			if m := j.p.Auth.Mechanism(); m != "" {
				w("    $mail->AuthType = %s;\n", phpStr(m))
			}
			w("    $mail->Password = smtp_password();\n")
		}
	} else {
		w("    $mail->SMTPAuth = false;\n")
	}
	w(`    $mail->setFrom(FROM_ADDR, %s);
    $mail->addAddress(FROM_ADDR);
    $mail->Subject = %s;
    $mail->Body = %s;
    $mail->send();
    echo "Sent a test message to " . FROM_ADDR . "\n";
} catch (Exception $e) {
    fwrite(STDERR, $mail->ErrorInfo . "\n");
    exit(1);
}
`, phpStr(j.fromName), phpStr(j.subject()), phpStr(j.body()))
	return b.String(), nil
}

// phpPassword is the smtp_password() function.
func phpPassword(j *job) string {
	var b strings.Builder
	b.WriteString("function smtp_password(): string\n{\n")
	if j.password != "" {
		b.WriteString("    return " + phpStr(j.password) + ";\n}\n")
		return b.String()
	}
	b.WriteString("    $value = getenv('SMTP_PASSWORD');\n")
	b.WriteString("    if ($value !== false && $value !== '') {\n        return $value;\n    }\n")
	var args []string
	switch {
	case j.oauth:
		b.WriteString("    fwrite(STDERR, \"Set SMTP_PASSWORD to an OAuth2 access token\\n\");\n    exit(1);\n}\n")
		return b.String()
	case j.keyringLinux():
		args = j.secretToolArgs()
	case j.os == "darwin":
		args = j.securityArgs()
	default:
		b.WriteString("    fwrite(STDERR, \"Set SMTP_PASSWORD to the account's password\\n\");\n    exit(1);\n}\n")
		return b.String()
	}
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = phpStr(a)
	}
	fmt.Fprintf(&b, "    $proc = proc_open([%s], [1 => ['pipe', 'w']], $pipes);\n", strings.Join(q, ", "))
	b.WriteString("    $out = stream_get_contents($pipes[1]);\n    fclose($pipes[1]);\n")
	b.WriteString("    if (proc_close($proc) !== 0) {\n        fwrite(STDERR, \"The keyring has no password for this profile\\n\");\n        exit(1);\n    }\n")
	if j.os == "darwin" {
		b.WriteString("    $out = trim($out);\n")
		fmt.Fprintf(&b, "    if (strpos($out, %s) === 0) {\n        return base64_decode(substr($out, %d));\n    }\n", phpStr(darwinPrefix), len(darwinPrefix))
		b.WriteString("    return $out;\n}\n")
		return b.String()
	}
	b.WriteString("    return rtrim($out, \"\\n\");\n}\n")
	return b.String()
}
