package scnettest

import (
	"strconv"
	"time"
	"unicode/utf8"

	"scnetbot/scnet"
)

// appendJSON writes the record the way SCNet does: field order from the
// page's example, null for empty nullable fields and zero times, "--" for an
// unknown duration, and <, > and & left as they are (SCNet's Java stack does
// not escape them, so hostile names reach clients undefused). Written by hand
// because encoding/json costs about 3µs a record and a cold page has 100;
// TestEncoderMatchesEncodingJSON holds it to encoding/json's output.
func (r *Record) appendJSON(b []byte, withLists bool) []byte {
	b = append(b, `{"id":`...)
	b = appendString(b, r.ID)
	b = append(b, `,"headerNotebookId":`...)
	b = appendNullable(b, r.HeaderNotebookID)
	b = append(b, `,"instanceServiceName":`...)
	b = appendString(b, r.Name)
	b = append(b, `,"currentIndex":`...)
	b = strconv.AppendInt(b, int64(r.CurrentIndex), 10)
	b = append(b, `,"gpuNumber":`...)
	b = strconv.AppendInt(b, int64(r.GPUNumber), 10)
	b = append(b, `,"cpuNumber":`...)
	b = strconv.AppendInt(b, int64(r.CPUNumber), 10)
	b = append(b, `,"ramSize":`...)
	b = strconv.AppendInt(b, int64(r.RAMSize), 10)
	b = append(b, `,"acceleratorType":`...)
	b = appendString(b, r.AcceleratorType)
	b = append(b, `,"resourceGroup":`...)
	b = appendString(b, r.ResourceGroup)
	b = append(b, `,"resourceSpec":`...)
	b = appendString(b, r.ResourceSpec)
	b = append(b, `,"taskNumber":`...)
	b = strconv.AppendInt(b, int64(r.TaskNumber), 10)
	b = append(b, `,"timeoutLimit":`...)
	b = appendString(b, r.TimeoutLimit)
	b = append(b, `,"userName":`...)
	b = appendString(b, r.UserName)
	b = append(b, `,"version":`...)
	b = appendString(b, r.Version)
	b = append(b, `,"imagePath":`...)
	b = appendString(b, r.ImagePath)
	b = append(b, `,"status":`...)
	b = appendString(b, string(r.Status))
	b = append(b, `,"taskType":`...)
	b = appendString(b, string(r.TaskType))
	b = append(b, `,"description":`...)
	b = appendString(b, r.Description)
	b = append(b, `,"createTime":`...)
	b = appendTime(b, r.CreateTime)
	b = append(b, `,"startTime":`...)
	b = appendTime(b, r.StartTime)
	b = append(b, `,"endTime":`...)
	b = appendTime(b, r.EndTime)
	b = append(b, `,"duration":`...)
	b = appendString(b, dashIfEmpty(r.Duration))
	b = append(b, `,"remainingTime":`...)
	b = appendString(b, dashIfEmpty(r.RemainingTime))
	b = append(b, `,"tensorboardId":`...)
	b = appendNullable(b, r.TensorboardID)
	b = append(b, `,"tensorboardPath":`...)
	b = appendNullable(b, r.TensorboardPath)
	b = append(b, `,"mountInfoList":`...)
	if withLists {
		b = appendMounts(b, r.Mounts)
	} else {
		b = append(b, "null"...)
	}
	b = append(b, `,"containerPortInfoList":`...)
	if withLists {
		b = appendPorts(b, r.Ports)
	} else {
		b = append(b, "null"...)
	}
	b = append(b, `,"useStartScript":`...)
	b = strconv.AppendBool(b, r.UseStartScript)
	b = append(b, `,"startScriptContent":`...)
	b = appendString(b, r.StartScriptContent)
	b = append(b, `,"startScriptPath":`...)
	b = appendNullable(b, r.StartScriptPath)
	b = append(b, `,"startScriptActionScope":`...)
	b = appendString(b, r.StartScriptActionScope)
	b = append(b, `,"headerNotebookIp":`...)
	b = appendNullable(b, r.HeaderNotebookIP)
	return append(b, '}')
}

func appendMounts(b []byte, ms []Mount) []byte {
	if ms == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, m := range ms {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"source":`...)
		b = appendString(b, m.Source)
		b = append(b, `,"target":`...)
		b = appendString(b, m.Target)
		b = append(b, `,"readOnly":`...)
		b = strconv.AppendBool(b, m.ReadOnly)
		b = append(b, '}')
	}
	return append(b, ']')
}

func appendPorts(b []byte, ps []Port) []byte {
	if ps == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, p := range ps {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"name":`...)
		b = appendString(b, p.Name)
		b = append(b, `,"containerPort":`...)
		b = strconv.AppendInt(b, int64(p.ContainerPort), 10)
		b = append(b, `,"protocol":`...)
		b = appendString(b, p.Protocol)
		b = append(b, `,"accessUrl":`...)
		b = appendString(b, p.AccessURL)
		b = append(b, '}')
	}
	return append(b, ']')
}

func appendNullable(b []byte, s string) []byte {
	if s == "" {
		return append(b, "null"...)
	}
	return appendString(b, s)
}

func appendTime(b []byte, t time.Time) []byte {
	if t.IsZero() {
		return append(b, "null"...)
	}
	b = append(b, '"')
	b = t.UTC().Add(8*time.Hour).AppendFormat(b, scnet.TimeLayout)
	return append(b, '"')
}

func dashIfEmpty(s string) string {
	if s == "" {
		return "--"
	}
	return s
}

// appendString quotes s exactly as encoding/json does with HTML escaping
// off: control characters, quote and backslash escaped, invalid UTF-8 as
// U+FFFD, and U+2028/U+2029 escaped for JavaScript's sake.
func appendString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
