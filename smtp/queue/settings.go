package queue

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"time"

	"github.com/smtpconf/smtpconf/smtp"
)

// SettingsFile is the optional settings file in the config directory.
const SettingsFile = "outbox.json"

// ErrSettings: the settings file or a setting is invalid.
var ErrSettings = errors.New("invalid outbox settings")

// Schedule is the retry schedule after a temporary failure: First after the
// first failed attempt, doubling with each further one, at most Max, each
// delay varied by ±Jitter (a fraction) so that many messages do not retry in
// step. A 421 (the server is busy or rate-limiting) waits RateLimitFactor
// times longer, and at least RateLimitFloor.
type Schedule struct {
	First           Duration `json:"first"`
	Max             Duration `json:"max"`
	Jitter          float64  `json:"jitter"`
	RateLimitFactor float64  `json:"rate_limit_factor"`
	RateLimitFloor  Duration `json:"rate_limit_floor"`
}

// Settings of the outbox. The zero value is not valid; start from
// DefaultSettings (LoadSettings does).
type Settings struct {
	Schedule Schedule `json:"schedule"`
	// GiveUp: a message this old (since it entered the outbox) whose attempt
	// fails temporarily fails for good.
	GiveUp Duration `json:"give_up"`
	// LeaseDuration bounds how long a runner may hold a message it is
	// sending; a claim older than this is taken back even if its process
	// seems alive (a claim whose process is gone is taken back at once).
	// Sending one message is cut off before its lease runs out.
	LeaseDuration Duration `json:"lease"`
	// KeepSent is how many sent entries stay listed, newest first.
	KeepSent int `json:"keep_sent"`
	// Parallel is how many profiles are delivered at once.
	Parallel int `json:"parallel"`
	// MaxPerConnection is how many messages go over one connection before
	// it is closed and a new one made (many providers limit it).
	MaxPerConnection int `json:"max_per_connection"`
	// Poll is how often an idle Worker looks for work added by other
	// processes (its own process's additions wake it at once).
	Poll Duration `json:"poll"`
}

// DefaultSettings: first retry after 1 minute, doubling, at most 1 hour,
// ±20 % jitter, 421 twice as long with a 5 minute floor; give up after 3
// days; 10 minute leases; the newest 500 sent entries kept.
func DefaultSettings() Settings {
	return Settings{
		Schedule: Schedule{
			First:           Duration(time.Minute),
			Max:             Duration(time.Hour),
			Jitter:          0.2,
			RateLimitFactor: 2,
			RateLimitFloor:  Duration(5 * time.Minute),
		},
		GiveUp:           Duration(72 * time.Hour),
		LeaseDuration:    Duration(10 * time.Minute),
		KeepSent:         500,
		Parallel:         4,
		MaxPerConnection: 100,
		Poll:             Duration(time.Minute),
	}
}

// Validate checks the settings.
func (s Settings) Validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrSettings, fmt.Sprintf(format, args...))
	}
	sc := s.Schedule
	switch {
	case sc.First <= 0:
		return bad("schedule.first must be positive")
	case sc.Max < sc.First:
		return bad("schedule.max (%s) must be at least schedule.first (%s)", sc.Max, sc.First)
	case sc.Jitter < 0 || sc.Jitter >= 1:
		return bad("schedule.jitter must be from 0 to below 1, such as 0.2")
	case sc.RateLimitFactor < 1:
		return bad("schedule.rate_limit_factor must be at least 1")
	case sc.RateLimitFloor < 0:
		return bad("schedule.rate_limit_floor must not be negative")
	case s.GiveUp <= 0:
		return bad("give_up must be positive")
	case s.LeaseDuration < Duration(time.Second):
		return bad("lease must be at least 1s")
	case s.KeepSent < 0:
		return bad("keep_sent must not be negative")
	case s.Parallel < 1:
		return bad("parallel must be at least 1")
	case s.MaxPerConnection < 1:
		return bad("max_per_connection must be at least 1")
	case s.Poll <= 0:
		return bad("poll must be positive")
	}
	return nil
}

// LoadSettings reads dir/outbox.json over DefaultSettings: fields the file
// leaves out keep their default. A missing file means the defaults. Example:
//
//	{"schedule": {"first": "2m", "max": "2h"}, "give_up": "120h", "keep_sent": 1000}
func LoadSettings(dir string) (Settings, error) {
	s := DefaultSettings()
	if err := smtp.ReadConfigJSON(dir, SettingsFile, ErrSettings, &s); err != nil {
		return DefaultSettings(), err
	}
	if err := s.Validate(); err != nil {
		return DefaultSettings(), fmt.Errorf("%s: %w", filepath.Join(dir, SettingsFile), err)
	}
	return s, nil
}

// Delay is the wait before the next attempt after attempts failed attempts
// (1 for the first), the last one with the SMTP reply code (0 if none).
// rnd is a uniform random number in [0, 1) for the jitter.
func (sc Schedule) Delay(attempts, code int, rnd float64) time.Duration {
	d := time.Duration(sc.First)
	for i := 1; i < attempts && d < time.Duration(sc.Max); i++ {
		d *= 2
	}
	d = min(d, time.Duration(sc.Max))
	if code == 421 {
		d = time.Duration(float64(d) * sc.RateLimitFactor)
		d = max(d, time.Duration(sc.RateLimitFloor))
		d = min(d, max(time.Duration(sc.Max), time.Duration(sc.RateLimitFloor)))
	}
	if sc.Jitter > 0 {
		d = time.Duration(float64(d) * (1 + sc.Jitter*(2*rnd-1)))
	}
	return max(d, time.Millisecond)
}

func (sc Schedule) delay(attempts, code int) time.Duration {
	return sc.Delay(attempts, code, rand.Float64())
}

// Duration is a time.Duration written in JSON as "1m30s" (a number is
// read as seconds).
type Duration time.Duration

// String is the Go duration text.
func (d Duration) String() string { return time.Duration(d).String() }

// MarshalJSON writes "1m0s".
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

// UnmarshalJSON reads "90s", "1h" or a number of seconds.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		v, err := time.ParseDuration(s)
		if err != nil {
			return fmt.Errorf("%q is not a duration such as \"90s\" or \"1h\"", s)
		}
		*d = Duration(v)
		return nil
	}
	var secs float64
	if err := json.Unmarshal(b, &secs); err != nil {
		return fmt.Errorf("%s is not a duration such as \"90s\" or \"1h\"", b)
	}
	*d = Duration(secs * float64(time.Second))
	return nil
}
