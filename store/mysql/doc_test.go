package mysql

import (
	"os"
	"strings"
	"testing"
)

// The SQL in the package documentation, for operators who create the
// tables themselves, must be the SQL Open runs.
func TestPackageDocShowsTheSchemaOpenCreates(t *testing.T) {
	t.Parallel()
	src, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	var doc []string
	in := false
	for line := range strings.Lines(string(src)) {
		line = strings.TrimRight(line, "\n")
		if strings.Contains(line, "CREATE TABLE") {
			in = true
		}
		if in && line == "//" {
			break
		}
		if in {
			doc = append(doc, strings.TrimPrefix(line, "//"))
		}
	}
	n := newTableNamer(DefaultTablePrefix)
	var want []string
	for _, stmt := range tableDDL {
		want = append(want, n.sql(stmt)+";")
	}
	if got, want := strings.Fields(strings.Join(doc, "\n")), strings.Fields(strings.Join(want, "\n")); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("package doc SQL:\n%s\n\nSQL run by Open:\n%s", strings.Join(got, " "), strings.Join(want, " "))
	}
}
