// Package statetest damages state files the way a torn write or a bad disk
// does, for tests of what scnetbot does with a store it cannot read.
package statetest

import (
	"bytes"
	"encoding/binary"
	"os"
	"testing"
)

// CorruptPage overwrites the header of the bbolt leaf page that holds key
// in the closed file at path, so bbolt panics when it reads that page.
func CorruptPage(t testing.TB, path, key string) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// The meta page's body follows the 16-byte page header: magic,
	// version, then the page size.
	if len(raw) < 32 {
		t.Fatalf("%s is too short for a bbolt file", path)
	}
	size := int(binary.LittleEndian.Uint32(raw[16+8:]))
	if size < 1024 || len(raw)%size != 0 {
		t.Fatalf("page size %d of a %d-byte file", size, len(raw))
	}
	const leafFlag = 0x02
	for off := 2 * size; off < len(raw); off += size {
		page := raw[off : off+size]
		if binary.LittleEndian.Uint16(page[8:]) == leafFlag && bytes.Contains(page, []byte(key)) {
			// A page must name itself; one that does not is corrupt.
			binary.LittleEndian.PutUint64(page[0:], 0xdeadbeef)
			if err := os.WriteFile(path, raw, 0o600); err != nil {
				t.Fatal(err)
			}
			return
		}
	}
	t.Fatalf("no leaf page of %s holds %q", path, key)
}
