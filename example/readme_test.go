package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// codeBlocks returns the fenced code blocks of a Markdown file, in order,
// each with its info string (```go).
func codeBlocks(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var blocks []string
	var cur *strings.Builder
	for line := range strings.Lines(string(b)) {
		fence := strings.HasPrefix(strings.TrimSpace(line), "```")
		switch {
		case fence && cur == nil:
			cur = &strings.Builder{}
			cur.WriteString(line)
		case fence:
			cur.WriteString(line)
			blocks = append(blocks, cur.String())
			cur = nil
		case cur != nil:
			cur.WriteString(line)
		}
	}
	if cur != nil {
		t.Fatalf("%s: a code block is not closed", path)
	}
	return blocks
}

// Issue 12 point 6: the Korean README carries the same commands and code
// as the English one, block for block, so the two cannot drift apart;
// each links the other at its top.
func TestREADMEsAgree(t *testing.T) {
	root := filepath.Join("..")
	en := codeBlocks(t, filepath.Join(root, "README.md"))
	ko := codeBlocks(t, filepath.Join(root, "README.ko.md"))
	if len(en) < 4 {
		t.Fatalf("README.md has %d code blocks; the test reads the wrong file?", len(en))
	}
	if !slices.Equal(en, ko) {
		for i := range max(len(en), len(ko)) {
			var e, k string
			if i < len(en) {
				e = en[i]
			}
			if i < len(ko) {
				k = ko[i]
			}
			if e != k {
				t.Errorf("code block %d differs:\nREADME.md:\n%s\nREADME.ko.md:\n%s", i+1, e, k)
			}
		}
	}
	for file, link := range map[string]string{"README.md": "(README.ko.md)", "README.ko.md": "(README.md)"} {
		b, err := os.ReadFile(filepath.Join(root, file))
		if err != nil {
			t.Fatal(err)
		}
		head, _, _ := strings.Cut(string(b), "\n## ")
		if !strings.Contains(head, link) {
			t.Errorf("%s does not link %s before its first section", file, link)
		}
	}
}
