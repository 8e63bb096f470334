package todo

import (
	"net/mail"
	"strings"
	"time"
)

// Profile is what a user has set about themselves: where reminders go and the time zone
// that recurrence, reminders, emails and natural-language dates use.
type Profile struct {
	UserID    string    `json:"user_id"`
	Email     *string   `json:"email"`
	TimeZone  string    `json:"tz"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Location is the profile's zone; a name the running system no longer knows reads as UTC.
func (p Profile) Location() *time.Location {
	if loc, err := time.LoadLocation(p.TimeZone); err == nil {
		return loc
	}
	return time.UTC
}

// ProfileInput is the body of PATCH /profile: absent leaves a field alone; null clears the
// email and resets the zone to UTC.
type ProfileInput struct {
	Email    Optional[string] `json:"email"`
	TimeZone Optional[string] `json:"tz"`
}

// ProfileChanges is validated profile input; nil leaves a field alone.
type ProfileChanges struct {
	Email    *string // "" clears it
	TimeZone *string
}

// MaxEmail bounds an address (RFC 5321's path limit).
const MaxEmail = 254

// Changes validates the input.
func (in ProfileInput) Changes() (ProfileChanges, error) {
	var c ProfileChanges
	if in.Email.Set {
		e := strings.TrimSpace(in.Email.Value)
		if e != "" {
			if err := ValidateEmail(e, "email"); err != nil {
				return c, err
			}
		}
		c.Email = &e
	}
	if in.TimeZone.Set {
		tz := "UTC"
		if !in.TimeZone.Null {
			tz = strings.TrimSpace(in.TimeZone.Value)
			if err := ValidateTimeZone(tz, "tz"); err != nil {
				return c, err
			}
		}
		c.TimeZone = &tz
	}
	return c, nil
}

// ValidateEmail checks that s is one bare address (no display name), reporting errors
// against field.
func ValidateEmail(s, field string) error {
	if len(s) > MaxEmail {
		return Errorf(Invalid, field, "%s is longer than %d characters", field, MaxEmail)
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		return Errorf(Invalid, field, "%s must be an email address such as ann@example.com", field)
	}
	return nil
}

// ValidateTimeZone checks that tz is an IANA zone name such as Europe/Berlin. "Local" is
// refused: it means the server's zone, not the user's.
func ValidateTimeZone(tz, field string) error {
	if tz == "" || tz == "Local" || len(tz) > 64 {
		return Errorf(Invalid, field, "%s must be an IANA time zone such as America/New_York", field)
	}
	if _, err := time.LoadLocation(tz); err != nil {
		return Errorf(Invalid, field, "%s must be an IANA time zone such as America/New_York, not %q", field, tz)
	}
	return nil
}
