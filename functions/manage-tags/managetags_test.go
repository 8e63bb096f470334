package managetags_test

import (
	"context"
	"fmt"
	"testing"

	managetags "github.com/taskline/taskline/functions/manage-tags"
	"github.com/taskline/taskline/shared/postgres/pgtest"
	"github.com/taskline/taskline/shared/runtime/apitest"
	"github.com/taskline/taskline/shared/todo"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

type tagList struct {
	Tags  []todo.Tag `json:"tags"`
	Count int        `json:"count"`
}

func names(l tagList) []string {
	var out []string
	for _, g := range l.Tags {
		out = append(out, g.Name)
	}
	return out
}

func TestTags(t *testing.T) {
	t.Parallel()
	api := apitest.New(t, managetags.Routes)
	var work todo.Tag
	api.Do("ann", "POST", "/api/ann/tags", map[string]any{"name": "work", "color": "#ff8800"}).Expect(t, 201).Decode(t, &work)
	if work.ID == 0 || work.Color == nil || *work.Color != "#FF8800" {
		t.Fatalf("created %+v", work)
	}
	for _, n := range []string{"Workout", "weekend", "home", "w_x", "wax"} {
		api.Do("ann", "POST", "/api/ann/tags", map[string]any{"name": n}).Expect(t, 201)
	}
	api.Do("ann", "POST", "/api/ann/tags", map[string]any{"name": "WORK"}).ExpectError(t, 409, "name")
	api.Do("ann", "POST", "/api/ann/tags", map[string]any{"name": "has space"}).ExpectError(t, 400, "name")
	api.Do("ann", "POST", "/api/ann/tags", map[string]any{"name": ""}).ExpectError(t, 400, "name")
	api.Do("ann", "POST", "/api/ann/tags", map[string]any{"name": "ok", "color": "red"}).ExpectError(t, 400, "color")

	var l tagList
	api.Do("ann", "GET", "/api/ann/tags?prefix=WOR", nil).Expect(t, 200).Decode(t, &l)
	if fmt.Sprint(names(l)) != "[work Workout]" || l.Count != 2 {
		t.Fatalf("prefix WOR: %v", names(l))
	}
	// '_' is a literal, not LIKE's any-character.
	api.Do("ann", "GET", "/api/ann/tags?prefix=w_", nil).Expect(t, 200).Decode(t, &l)
	if fmt.Sprint(names(l)) != "[w_x]" {
		t.Fatalf("prefix w_: %v", names(l))
	}
	api.Do("ann", "GET", "/api/ann/tags", nil).Expect(t, 200).Decode(t, &l)
	if l.Count != 6 {
		t.Fatalf("all tags: %v", names(l))
	}

	// Bob sees none of Ann's tags, cannot delete them, and may use the same names.
	api.Do("bob", "GET", "/api/bob/tags", nil).Expect(t, 200).Decode(t, &l)
	if l.Count != 0 {
		t.Fatalf("Bob sees %v", names(l))
	}
	api.Do("bob", "DELETE", fmt.Sprintf("/api/bob/tags/%d", work.ID), nil).ExpectError(t, 404, "id")
	api.Do("bob", "POST", "/api/bob/tags", map[string]any{"name": "work"}).Expect(t, 201)

	api.Do("ann", "DELETE", fmt.Sprintf("/api/ann/tags/%d", work.ID), nil).Expect(t, 204)
	api.Do("ann", "DELETE", fmt.Sprintf("/api/ann/tags/%d", work.ID), nil).ExpectError(t, 404, "id")
	api.Do("ann", "GET", "/api/ann/tags?prefix=work", nil).Expect(t, 200).Decode(t, &l)
	if fmt.Sprint(names(l)) != "[Workout]" {
		t.Fatalf("after delete: %v", names(l))
	}
}

// Tag names of any script, unique per user ignoring case and Unicode composition.
func TestTagNamesOfAnyScript(t *testing.T) {
	t.Parallel()
	api := apitest.New(t, managetags.Routes)
	for _, n := range []string{"été", "日本", "Ελληνικά", "हिन्दी"} {
		var g todo.Tag
		api.Do("ann", "POST", "/api/ann/tags", map[string]any{"name": n}).Expect(t, 201).Decode(t, &g)
		if g.Name != n {
			t.Errorf("stored %q as %q", n, g.Name)
		}
	}
	api.Do("ann", "POST", "/api/ann/tags", map[string]any{"name": "ÉTÉ"}).ExpectError(t, 409, "name")
	api.Do("ann", "POST", "/api/ann/tags", map[string]any{"name": "e\u0301te\u0301"}).ExpectError(t, 409, "name")
	api.Do("ann", "POST", "/api/ann/tags", map[string]any{"name": "日本 語"}).ExpectError(t, 400, "name")
	api.Do("ann", "POST", "/api/ann/tags", map[string]any{"name": "😀"}).ExpectError(t, 400, "name")
	var l tagList
	api.Do("ann", "GET", "/api/ann/tags?prefix=%C3%89", nil).Expect(t, 200).Decode(t, &l) // "É"
	if fmt.Sprint(names(l)) != "[été]" {
		t.Fatalf("prefix É: %v", names(l))
	}
	api.Do("ann", "GET", "/api/ann/tags?prefix=%E6%97%A5", nil).Expect(t, 200).Decode(t, &l) // "日"
	if fmt.Sprint(names(l)) != "[日本]" {
		t.Fatalf("prefix 日: %v", names(l))
	}
}

// Deleting a tag takes it off every task that carried it, and each of those tasks is
// announced with task.updated (its tags before and after), as when the tag is taken off
// one task; a NUL byte in the autocomplete prefix is a 400.
func TestDeleteTagUpdatesItsTasks(t *testing.T) {
	t.Parallel()
	api := apitest.New(t, managetags.Routes)
	ctx := context.Background()
	if err := api.Store.EnsureUser(ctx, todo.User{ID: "ann"}); err != nil {
		t.Fatal(err)
	}
	title, pri := "Plan trip", todo.Medium
	task, err := api.Store.CreateTask(ctx, "ann", todo.TaskChanges{Title: &title, Priority: &pri, TagsSet: true, TagNames: []string{"travel", "home"}})
	if err != nil {
		t.Fatal(err)
	}
	var tag todo.Tag
	for _, g := range task.Tags {
		if g.Name == "travel" {
			tag = g
		}
	}
	api.Do("ann", "DELETE", fmt.Sprintf("/api/ann/tags/%d", tag.ID), nil).Expect(t, 204)
	var updated []apitest.Event
	for _, e := range api.Outbox() {
		if e.Type == "task.updated" {
			updated = append(updated, e)
		}
	}
	if len(updated) != 1 || fmt.Sprint(updated[0].Data["changed_fields"]) != "map[tags:map[after:[home] before:[home travel]]]" {
		t.Fatalf("task.updated after deleting a tag: %+v", updated)
	}
	api.Do("ann", "GET", "/api/ann/tags?prefix=a%00", nil).ExpectError(t, 400, "prefix")
}
