package classification

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
)

// v2ParseFP32 fills dst from tensor data given flat or nested as shape
// says. The request decoder has already rejected invalid JSON, so the
// errors here are about structure and element types; other bytes are
// refused, never a panic.
func v2ParseFP32(data json.RawMessage, shape []int64, dst []float32) error {
	p := fp32Parser{b: data, dst: dst}
	p.space()
	if p.peek() == 0 {
		return v2Errorf(http.StatusBadRequest, "the input has no data")
	}
	dims := []int64{int64(len(dst))} // flat
	if p.peekNested() {
		dims = shape
	}
	if err := p.list(dims); err != nil {
		return v2Errorf(http.StatusBadRequest, "FP32 data for shape %s: %v", v2ShapeString(shape), err)
	}
	return nil
}

type fp32Parser struct {
	b   []byte
	i   int
	dst []float32
	n   int
}

func (p *fp32Parser) space() {
	for p.i < len(p.b) && (p.b[p.i] == ' ' || p.b[p.i] == '\n' || p.b[p.i] == '\t' || p.b[p.i] == '\r') {
		p.i++
	}
}

// peek is the byte at the cursor, 0 at the end.
func (p *fp32Parser) peek() byte {
	if p.i < len(p.b) {
		return p.b[p.i]
	}
	return 0
}

// peekNested reports whether the data opens with a list of lists.
func (p *fp32Parser) peekNested() bool {
	save := p.i
	defer func() { p.i = save }()
	if p.peek() != '[' {
		return false
	}
	p.i++
	p.space()
	return p.peek() == '['
}

// list reads a list of dims[0] elements, each a list for dims[1:] or, at
// the last dimension, a number.
func (p *fp32Parser) list(dims []int64) error {
	if p.peek() != '[' {
		return errors.New("expected a list")
	}
	p.i++
	for count := int64(0); ; count++ {
		p.space()
		switch c := p.peek(); {
		case c == ']':
			p.i++
			if count != dims[0] {
				return fmt.Errorf("a list has %d elements where %d belong", count, dims[0])
			}
			return nil
		case count > 0 && c != ',', c == 0:
			return errors.New("malformed list")
		case count > 0:
			p.i++
			p.space()
		}
		if count == dims[0] {
			return fmt.Errorf("a list has more than the %d elements that belong", dims[0])
		}
		var err error
		if len(dims) > 1 {
			err = p.list(dims[1:])
		} else {
			err = p.number()
		}
		if err != nil {
			return err
		}
	}
}

// numberByte marks the bytes a JSON number is made of.
var numberByte = func() (t [256]bool) {
	for _, c := range []byte("+-.0123456789eE") {
		t[c] = true
	}
	return t
}()

func (p *fp32Parser) number() error {
	start := p.i
	for p.i < len(p.b) && numberByte[p.b[p.i]] {
		p.i++
	}
	if p.i == start {
		return errors.New("elements must be numbers")
	}
	if p.n == len(p.dst) {
		return errors.New("more numbers than the shape holds")
	}
	v, err := strconv.ParseFloat(string(p.b[start:p.i]), 32)
	if err != nil {
		return fmt.Errorf("%s is not a 32-bit float", p.b[start:p.i])
	}
	p.dst[p.n] = float32(v)
	p.n++
	return nil
}
