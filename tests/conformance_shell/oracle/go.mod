module oracle

go 1.24.3

require github.com/moby/buildkit v0.26.3

require github.com/pkg/errors v0.9.1 // indirect
