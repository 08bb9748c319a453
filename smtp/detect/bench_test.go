package detect

import (
	"context"
	"github.com/smtpconf/smtpconf/smtp/dnstest"
	"slices"
	"testing"
	"time"

	"github.com/smtpconf/smtpconf/smtp/smtptest"
)

// BenchmarkProbe measures the two cases of issue 5: one working candidate
// with every higher-priority one stalled until the deadline (2 s here), and
// three candidates that each answer after 300 ms. It reports the median.
//
//	go test -run '^$' -bench BenchmarkProbe -benchtime 10x ./smtp/detect/
func BenchmarkProbe(b *testing.B) {
	names := []string{"smtp.example.test", "mail.example.test", "example.test"}
	b.Run("stalled-higher", func(b *testing.B) {
		ca := smtptest.NewCA(b)
		stalled := smtptest.Start(b, smtptest.Config{Mode: smtptest.ImplicitTLS, CA: ca, CertHosts: names, StallGreeting: true})
		sub := smtptest.Start(b, smtptest.Config{Mode: smtptest.STARTTLS, CA: ca, CertHosts: names})
		d := dnstest.Start(b, "smtp.example.test. 60 IN A 127.0.0.1", "mail.example.test. 60 IN A 127.0.0.1", "example.test. 60 IN A 127.0.0.1")
		o := testOptions(b, d.Addr, ca)
		o.Timeout = 2 * time.Second
		o.PortMap[465], o.PortMap[587] = stalled.Port, sub.Port
		benchDetect(b, o, 587)
	})
	b.Run("three-slow", func(b *testing.B) {
		ca := smtptest.NewCA(b)
		slow := func(mode smtptest.Mode) int {
			s := smtptest.Start(b, smtptest.Config{Mode: mode, CA: ca, CertHosts: names})
			return slowProxy(b, s.Addr, 300*time.Millisecond)
		}
		d := dnstest.Start(b, "smtp.example.test. 60 IN A 127.0.0.1")
		o := testOptions(b, d.Addr, ca)
		o.PortMap[465], o.PortMap[587], o.PortMap[25] = slow(smtptest.ImplicitTLS), slow(smtptest.STARTTLS), slow(smtptest.STARTTLS)
		benchDetect(b, o, 465)
	})
}

func benchDetect(b *testing.B, o Options, wantPort int) {
	var times []time.Duration
	for b.Loop() {
		start := time.Now()
		r, err := Detect(context.Background(), "ann@example.test", o)
		times = append(times, time.Since(start))
		if err != nil || !r.OK || r.Port != wantPort {
			b.Fatalf("got %+v, %v", r, err)
		}
	}
	slices.Sort(times)
	b.ReportMetric(float64(times[len(times)/2].Milliseconds()), "median-ms")
}
