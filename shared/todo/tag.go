package todo

import (
	"regexp"
	"strings"
	"time"
)

var (
	tagName  = regexp.MustCompile(`^[A-Za-z0-9_-]{1,50}$`)
	tagColor = regexp.MustCompile(`^#[0-9A-Fa-f]{6}$`)
)

// Tag is a user's label for tasks. Names are unique per user, ignoring case.
type Tag struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	Color     *string   `json:"color"`
	CreatedAt time.Time `json:"created_at"`
}

// TagInput is the body of POST /tags.
type TagInput struct {
	Name  string  `json:"name"`
	Color *string `json:"color"`
}

// Validate checks name and color and normalises the color to upper case.
func (in *TagInput) Validate() error {
	in.Name = strings.TrimSpace(in.Name)
	if err := ValidateTagName(in.Name, "name"); err != nil {
		return err
	}
	if in.Color != nil {
		if !tagColor.MatchString(*in.Color) {
			return Errorf(Invalid, "color", "color must look like #1A2B3C, not %q", *in.Color)
		}
		c := strings.ToUpper(*in.Color)
		in.Color = &c
	}
	return nil
}

// ValidateTagName checks a tag name, reporting errors against field.
func ValidateTagName(name, field string) error {
	if !tagName.MatchString(name) {
		return Errorf(Invalid, field, "tag name %q must be 1 to 50 letters, digits, '_' or '-'", name)
	}
	return nil
}
