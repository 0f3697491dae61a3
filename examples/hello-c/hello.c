#include <stdio.h>

int main(void) {
    puts("Hello from a multi-stage build: compiled in gcc:12, shipped in scratch.");
    return 0;
}
