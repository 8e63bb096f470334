module github.com/taskline/taskline/bench

go 1.26.0

replace github.com/taskline/taskline/shared => ../shared
