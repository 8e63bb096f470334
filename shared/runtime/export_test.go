package runtime

// ServeHTTP is Main's server, for tests that start a function as its main does.
var ServeHTTP = serveHTTP
