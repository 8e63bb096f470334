module github.com/taskline/taskline/web

go 1.26.0
