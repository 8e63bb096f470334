// Package caldav is the CalDAV function: the user's tasks as one task list (VTODO) at
// /dav/, for Tasks.org (through DAVx5), Apple Reminders, Thunderbird and command-line
// clients, on github.com/emersion/go-webdav's caldav server and go-ical; and a read-only
// calendar feed of due tasks at /feeds/{token}.ics.
//
// Clients sign in with HTTP Basic: any user name, and a personal access token (see the
// tokens function) as the password; a bearer token works too. A read token may only read.
// Another user's paths answer 404.
package caldav

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-webdav"
	"github.com/emersion/go-webdav/caldav"

	"github.com/taskline/taskline/shared/auth"
	"github.com/taskline/taskline/shared/runtime"
	"github.com/taskline/taskline/shared/todo"
)

// Name is the function's name.
const Name = "caldav"

// Routes are the function's endpoints. They authenticate themselves (Basic or Bearer), so
// they are mounted public.
func Routes(d *runtime.Deps) []runtime.Route {
	b := &backend{store: d.Store, log: d.Log}
	s := &server{deps: d, backend: b, dav: &caldav.Handler{Backend: b, Prefix: Prefix}}
	f := &feed{store: d.Store, log: d.Log}
	return []runtime.Route{
		{Pattern: "/dav/", Handler: s, Public: true},
		{Pattern: "/dav", Handler: http.RedirectHandler("/dav/", http.StatusPermanentRedirect), Public: true},
		{Pattern: "/.well-known/caldav", Handler: http.RedirectHandler("/dav/", http.StatusPermanentRedirect), Public: true},
		// No method in the pattern: the feed is text/calendar, not part of the JSON API the
		// OpenAPI document describes; it answers GET and HEAD itself.
		{Pattern: "/feeds/", Handler: f, Public: true},
	}
}

type server struct {
	deps    *runtime.Deps
	backend *backend
	dav     *caldav.Handler
}

// syncWindow: a sync-collection REPORT reports again what changed this long before the
// client's token, so a change whose transaction committed after a later one was seen is
// never missed (reporting an unchanged object again is harmless).
const syncWindow = 30 * time.Second

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c, err := s.deps.Guard.AuthenticateRequest(r)
	if err != nil {
		w.Header().Set("WWW-Authenticate", `Basic realm="Taskline", charset="UTF-8"`)
		davError(w, http.StatusUnauthorized, todo.AsError(err), err)
		return
	}
	if err := auth.CheckScope(c, r.Method); err != nil {
		davError(w, http.StatusForbidden, todo.AsError(err), err)
		return
	}
	ctx := auth.WithClaims(r.Context(), c)
	r = r.WithContext(ctx)
	user := c.Subject
	// Another user's principal, home, list or task: as if it did not exist.
	if rest := strings.TrimPrefix(r.URL.Path, Prefix+"/"); rest != "" {
		if owner, _, _ := strings.Cut(rest, "/"); owner != user {
			http.Error(w, "not found", http.StatusNotFound)
			return
		}
	}
	switch {
	case r.Method == "REPORT":
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, runtime.MaxBody))
		if err != nil {
			http.Error(w, "the request body could not be read", http.StatusBadRequest)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		var sc syncCollection
		if xml.Unmarshal(body, &sc) == nil && sc.XMLName.Local == "sync-collection" {
			s.syncCollection(w, r, sc)
			return
		}
	case r.Method == http.MethodDelete && r.Header.Get("If-Match") != "":
		co, err := s.backend.GetCalendarObject(ctx, r.URL.Path, nil)
		if err != nil || !matches(webdav.ConditionalMatch(r.Header.Get("If-Match")), co.ETag) {
			http.Error(w, "the object changed since you read it (ETag mismatch): read it again", http.StatusPreconditionFailed)
			return
		}
	case r.Method == "PROPFIND":
		s.propfind(w, r)
		return
	case r.Method == http.MethodPut:
		r.Body = http.MaxBytesReader(w, r.Body, maxObject)
	}
	s.dav.ServeHTTP(w, r)
}

func davError(w http.ResponseWriter, status int, e *todo.Error, err error) {
	msg := err.Error()
	if e != nil {
		msg = e.Message
	}
	http.Error(w, msg, status)
}

// version is the list's ctag and sync token.
func (s *server) version(ctx context.Context) (time.Time, string, string, error) {
	at, fp, err := s.deps.Store.CalDAVVersion(ctx, auth.UserID(ctx))
	if err != nil {
		return at, "", "", err
	}
	h := sha256.Sum256([]byte(fp))
	ctag := strconv.FormatInt(at.UnixMicro(), 10) + "-" + hex.EncodeToString(h[:6])
	return at, ctag, syncTokenPrefix + ctag, nil
}

const syncTokenPrefix = "urn:taskline:sync:"

// maxObject bounds a task's iCalendar text (the list's max-resource-size).
const maxObject = 256 << 10

// syncCollection is the body of an RFC 6578 sync-collection REPORT.
type syncCollection struct {
	XMLName   xml.Name
	SyncToken string `xml:"DAV: sync-token"`
	Prop      struct {
		Names []struct{ XMLName xml.Name } `xml:",any"`
	} `xml:"DAV: prop"`
}

type multistatus struct {
	XMLName   xml.Name     `xml:"DAV: multistatus"`
	Responses []msResponse `xml:"DAV: response"`
	SyncToken string       `xml:"DAV: sync-token,omitempty"`
}

type msResponse struct {
	Href     string    `xml:"DAV: href"`
	Propstat *propstat `xml:"DAV: propstat,omitempty"`
	Status   string    `xml:"DAV: status,omitempty"`
}

type propstat struct {
	Prop struct {
		ETag         string `xml:"DAV: getetag,omitempty"`
		ContentType  string `xml:"DAV: getcontenttype,omitempty"`
		CalendarData string `xml:"urn:ietf:params:xml:ns:caldav calendar-data,omitempty"`
	} `xml:"DAV: prop"`
	Status string `xml:"DAV: status"`
}

func href(p string) string { return (&url.URL{Path: p}).EscapedPath() }

// syncCollection answers what changed since the client's token: changed objects with their
// ETag (and data when asked), deleted ones as 404, and the new token. No token: everything.
func (s *server) syncCollection(w http.ResponseWriter, r *http.Request, sc syncCollection) {
	ctx := r.Context()
	user := auth.UserID(ctx)
	if strings.TrimSuffix(r.URL.Path, "/")+"/" != listPath(user) {
		http.Error(w, "sync-collection is answered on "+listPath(user), http.StatusForbidden)
		return
	}
	var since time.Time
	if sc.SyncToken != "" {
		v, ok := strings.CutPrefix(sc.SyncToken, syncTokenPrefix)
		micros, err := strconv.ParseInt(strings.SplitN(v, "-", 2)[0], 10, 64)
		if !ok || err != nil {
			w.Header().Set("Content-Type", "application/xml; charset=utf-8")
			w.WriteHeader(http.StatusForbidden)
			io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><error xmlns="DAV:"><valid-sync-token/></error>`)
			return
		}
		since = time.UnixMicro(micros).Add(-syncWindow)
	}
	_, _, token, err := s.version(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	withData := false
	for _, n := range sc.Prop.Names {
		withData = withData || n.XMLName.Local == "calendar-data"
	}
	ms := multistatus{SyncToken: token}
	objs, err := s.backend.objects(ctx, since)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	present := map[string]bool{}
	for _, co := range objs {
		present[co.Path] = true
		ps := &propstat{Status: "HTTP/1.1 200 OK"}
		ps.Prop.ETag = `"` + co.ETag + `"`
		if withData {
			data, _, err := encode(co.Data)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			ps.Prop.CalendarData = string(data)
		}
		ms.Responses = append(ms.Responses, msResponse{Href: href(co.Path), Propstat: ps})
	}
	if !since.IsZero() {
		gone, err := s.deps.Store.CalDAVDeleted(ctx, user, since)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		for _, name := range gone {
			p := listPath(user) + name
			if present[p] {
				continue
			}
			if _, err := s.deps.Store.CalDAVObjectByName(ctx, user, name); err == nil {
				continue // the name was used again
			}
			ms.Responses = append(ms.Responses, msResponse{Href: href(p), Status: "HTTP/1.1 404 Not Found"})
		}
	}
	w.Header().Set("Content-Type", "application/xml; charset=utf-8")
	w.WriteHeader(http.StatusMultiStatus)
	io.WriteString(w, xml.Header)
	xml.NewEncoder(w).Encode(ms)
}

func (s *server) fail(w http.ResponseWriter, r *http.Request, err error) {
	s.deps.Log.ErrorContext(r.Context(), "caldav request failed", "err", err)
	http.Error(w, "something went wrong on our side; try again", http.StatusInternalServerError)
}

func userOfRequest(r *http.Request) string { return auth.UserID(r.Context()) }
