module github.com/taskline/taskline/functions/web

go 1.26.0

require (
	github.com/klauspost/compress v1.20.4
	github.com/taskline/taskline/shared v0.0.0
	github.com/taskline/taskline/web v0.0.0
)

replace (
	github.com/taskline/taskline/shared => ../../shared
	github.com/taskline/taskline/web => ../../web
)
