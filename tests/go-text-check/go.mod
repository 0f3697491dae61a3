module github.com/dockerfile-llb/go-text-check

go 1.24.3
