package submit

import "bytes"

// breakLines splits every CRLF-ended line of content longer than max: cut
// says where (a length from 1 to max; 0 or less leaves the rest of that line
// as it is), and brk is written at each break ("\r\n" to fold, "=\r\n" for
// a quoted-printable soft break). Line ends are kept as they were.
func breakLines(content []byte, max int, brk string, cut func(line []byte) int) []byte {
	out := make([]byte, 0, len(content)+len(content)/max*len(brk)+len(brk))
	for len(content) > 0 {
		line, rest, crlf := bytes.Cut(content, []byte("\r\n"))
		content = rest
		for len(line) > max {
			n := cut(line)
			if n <= 0 {
				break
			}
			out = append(out, line[:n]...)
			out = append(out, brk...)
			line = line[n:]
		}
		out = append(out, line...)
		if crlf {
			out = append(out, "\r\n"...)
		}
	}
	return out
}
