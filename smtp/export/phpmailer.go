package export

import (
	"strings"

	"github.com/smtpconf/smtpconf/smtp"
)

// phpmailerDebian is where Debian's libphp-phpmailer installs its autoloader.
const phpmailerDebian = "/usr/share/php/libphp-phpmailer/autoload.php"

// renderPHPMailer writes a PHP program (PHPMailer 6.6 or later) that sends a
// test message to the profile's From address.
func renderPHPMailer(j *job) error {
	j.write("<?php\n")
	j.intro(
		"Run: composer require phpmailer/phpmailer && php send_test.php",
		"(or, on Debian and Ubuntu: apt install php-cli libphp-phpmailer)")
	j.printf(`
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
		j.write("\n")
		j.write(j.passwordFunc(phpPassword, phpStr))
	}
	j.printf(`
$mail = new PHPMailer(true);
try {
    $mail->isSMTP();
    $mail->CharSet = PHPMailer::CHARSET_UTF8;
    $mail->Host = %s;
    $mail->Port = %d;
`, phpStr(j.p.Host), j.p.Port)
	j.write(j.bySecurity(
		"    $mail->SMTPSecure = PHPMailer::ENCRYPTION_SMTPS; // implicit TLS\n",
		"    $mail->SMTPSecure = PHPMailer::ENCRYPTION_STARTTLS; // STARTTLS, and fail without it\n",
		"    $mail->SMTPSecure = '';\n    $mail->SMTPAutoTLS = false; // no encryption\n"))
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
			j.write("    // cafile replaces the system's trusted CAs with the profile's CA file.\n")
		}
		j.printf("    $mail->SMTPOptions = ['ssl' => [%s]];\n", strings.Join(opts, ", "))
	}
	if j.helo != "" {
		j.printf("    $mail->Helo = %s;\n", phpStr(j.helo))
	}
	j.printf("    $mail->Timeout = %d; // seconds, for each network step\n", j.seconds())
	if j.auth {
		j.write("    $mail->SMTPAuth = true;\n")
		j.printf("    $mail->Username = %s;\n", phpStr(j.p.Username))
		if j.oauth {
			j.printf(`    $mail->AuthType = 'XOAUTH2';
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
				j.printf("    $mail->AuthType = %s;\n", phpStr(m))
			}
			j.write("    $mail->Password = smtp_password();\n")
		}
	} else {
		j.write("    $mail->SMTPAuth = false;\n")
	}
	j.printf(`    $mail->setFrom(FROM_ADDR, %s);
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
	return nil
}

// phpPassword is the smtp_password() function.
const phpPassword = `function smtp_password(): string
{
{{- if .Literal}}
    return {{.Literal}};
{{- else}}
    $value = getenv('SMTP_PASSWORD');
    if ($value !== false && $value !== '') {
        return $value;
    }
{{- if .What}}
    fwrite(STDERR, "Set SMTP_PASSWORD to {{.What}}\n");
    exit(1);
{{- else}}
    $proc = proc_open([{{.Args}}], [1 => ['pipe', 'w']], $pipes);
    $out = stream_get_contents($pipes[1]);
    fclose($pipes[1]);
    if (proc_close($proc) !== 0) {
        fwrite(STDERR, "The keyring has no password for this profile\n");
        exit(1);
    }
{{- if .Darwin}}
    $out = trim($out);
    if (strpos($out, {{.Prefix}}) === 0) {
        return base64_decode(substr($out, {{.PrefixLen}}));
    }
    return $out;
{{- else}}
    return rtrim($out, "\n");
{{- end}}
{{- end}}
{{- end}}
}
`
