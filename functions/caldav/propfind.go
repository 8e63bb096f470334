package caldav

import (
	"bytes"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
)

// go-webdav's server does not know the collection's ctag (calendarserver.org getctag),
// its sync-token, or that it answers sync-collection (supported-report-set): clients use
// them to sync incrementally. propfind lets go-webdav answer, then puts those three into
// the answer for the task list wherever it appears, where go-webdav answered them 404.

var (
	nameCTag         = xml.Name{Space: "http://calendarserver.org/ns/", Local: "getctag"}
	nameSyncToken    = xml.Name{Space: "DAV:", Local: "sync-token"}
	nameReportSet    = xml.Name{Space: "DAV:", Local: "supported-report-set"}
	nameProp         = xml.Name{Space: "DAV:", Local: "prop"}
	namePropstat     = xml.Name{Space: "DAV:", Local: "propstat"}
	nameStatus       = xml.Name{Space: "DAV:", Local: "status"}
	nameHref         = xml.Name{Space: "DAV:", Local: "href"}
	nameResponse     = xml.Name{Space: "DAV:", Local: "response"}
	caldavNS         = "urn:ietf:params:xml:ns:caldav"
	injectedProperty = map[xml.Name]bool{nameCTag: true, nameSyncToken: true, nameReportSet: true}
)

// node is any XML element, kept whole.
type node struct {
	XMLName xml.Name
	Attrs   []xml.Attr `xml:",any,attr"`
	Text    string     `xml:",chardata"`
	Nodes   []*node    `xml:",any"`
}

func (n *node) child(name xml.Name) *node {
	for _, c := range n.Nodes {
		if c.XMLName == name {
			return c
		}
	}
	return nil
}

func el(name xml.Name, text string, children ...*node) *node {
	return &node{XMLName: name, Text: text, Nodes: children}
}

func (s *server) propfind(w http.ResponseWriter, r *http.Request) {
	rec := httptest.NewRecorder()
	s.dav.ServeHTTP(rec, r)
	res := rec.Result()
	body, _ := io.ReadAll(res.Body)
	var ms node
	if res.StatusCode != http.StatusMultiStatus || xml.Unmarshal(body, &ms) != nil {
		copyAnswer(w, res, body)
		return
	}
	list := listPath(userOfRequest(r))
	var ctag, token string
	changed := false
	for _, resp := range ms.Nodes {
		if resp.XMLName != nameResponse {
			continue
		}
		h := resp.child(nameHref)
		if h == nil {
			continue
		}
		p, err := url.PathUnescape(strings.TrimSpace(h.Text))
		if err != nil || strings.TrimSuffix(p, "/")+"/" != list {
			continue
		}
		var missing []xml.Name
		var ok *node
		for _, ps := range resp.Nodes {
			if ps.XMLName != namePropstat {
				continue
			}
			st, prop := ps.child(nameStatus), ps.child(nameProp)
			if st == nil || prop == nil {
				continue
			}
			if strings.Contains(st.Text, " 200 ") {
				ok = prop
				continue
			}
			kept := prop.Nodes[:0]
			for _, p := range prop.Nodes {
				if injectedProperty[p.XMLName] {
					missing = append(missing, p.XMLName)
				} else {
					kept = append(kept, p)
				}
			}
			prop.Nodes = kept
		}
		if len(missing) == 0 {
			continue
		}
		if ctag == "" {
			var err error
			if _, ctag, token, err = s.version(r.Context()); err != nil {
				s.fail(w, r, err)
				return
			}
		}
		if ok == nil {
			ok = el(nameProp, "")
			resp.Nodes = append(resp.Nodes, el(namePropstat, "", ok, el(nameStatus, "HTTP/1.1 200 OK")))
		}
		for _, m := range missing {
			switch m {
			case nameCTag:
				ok.Nodes = append(ok.Nodes, el(nameCTag, ctag))
			case nameSyncToken:
				ok.Nodes = append(ok.Nodes, el(nameSyncToken, token))
			case nameReportSet:
				rs := el(nameReportSet, "")
				for _, rep := range []xml.Name{{Space: "DAV:", Local: "sync-collection"}, {Space: caldavNS, Local: "calendar-query"}, {Space: caldavNS, Local: "calendar-multiget"}} {
					rs.Nodes = append(rs.Nodes, el(xml.Name{Space: "DAV:", Local: "supported-report"}, "", el(xml.Name{Space: "DAV:", Local: "report"}, "", el(rep, ""))))
				}
				ok.Nodes = append(ok.Nodes, rs)
			}
		}
		// Drop propstats left empty.
		kept := resp.Nodes[:0]
		for _, ps := range resp.Nodes {
			if ps.XMLName == namePropstat && ps.child(nameProp) != nil && len(ps.child(nameProp).Nodes) == 0 {
				continue
			}
			kept = append(kept, ps)
		}
		resp.Nodes = kept
		changed = true
	}
	if !changed {
		copyAnswer(w, res, body)
		return
	}
	var out bytes.Buffer
	out.WriteString(xml.Header)
	if err := xml.NewEncoder(&out).Encode(clean(&ms)); err != nil {
		s.fail(w, r, err)
		return
	}
	for k, v := range res.Header {
		if k != "Content-Length" {
			w.Header()[k] = v
		}
	}
	w.WriteHeader(res.StatusCode)
	w.Write(out.Bytes())
}

// clean drops the namespace declarations read in (each element carries its namespace when
// written again) and whitespace between elements.
func clean(n *node) *node {
	attrs := n.Attrs[:0]
	for _, a := range n.Attrs {
		if a.Name.Space != "xmlns" && a.Name.Local != "xmlns" {
			attrs = append(attrs, a)
		}
	}
	n.Attrs = attrs
	if len(n.Nodes) > 0 && strings.TrimSpace(n.Text) == "" {
		n.Text = ""
	}
	for _, c := range n.Nodes {
		clean(c)
	}
	return n
}

func copyAnswer(w http.ResponseWriter, res *http.Response, body []byte) {
	for k, v := range res.Header {
		w.Header()[k] = v
	}
	w.WriteHeader(res.StatusCode)
	w.Write(body)
}
