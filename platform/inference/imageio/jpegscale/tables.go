package jpegscale

// Table and application segments (T.81 B.2.4, Adobe APP14).

func (d *decoder) readDQT(n int) error {
	for n > 0 {
		b, err := d.src.readByte()
		if err != nil {
			return corrupt("truncated DQT")
		}
		pq, tq := b>>4, b&15
		if pq > 1 || tq > 3 {
			return corrupt("DQT precision %d table %d", pq, tq)
		}
		size := 64 << pq
		if n < 1+size {
			return corrupt("short DQT")
		}
		var raw [128]byte
		if err := d.src.readFull(raw[:size]); err != nil {
			return err
		}
		for k := 0; k < 64; k++ {
			if pq == 0 {
				d.quant[tq][k] = uint16(raw[k])
			} else {
				d.quant[tq][k] = uint16(raw[2*k])<<8 | uint16(raw[2*k+1])
			}
		}
		d.haveQuant[tq] = true
		n -= 1 + size
	}
	return nil
}

func (d *decoder) readDHT(n int) error {
	for n > 0 {
		var hdr [17]byte
		if n < 17 {
			return corrupt("short DHT")
		}
		if err := d.src.readFull(hdr[:]); err != nil {
			return err
		}
		tc, th := hdr[0]>>4, hdr[0]&15
		if tc > 1 || th > 3 {
			return corrupt("DHT class %d table %d", tc, th)
		}
		var counts [16]uint8
		total := 0
		for i := range counts {
			counts[i] = hdr[1+i]
			total += int(counts[i])
		}
		if total == 0 || total > 256 || n < 17+total {
			return corrupt("DHT with %d codes", total)
		}
		vals := make([]uint8, total)
		if err := d.src.readFull(vals); err != nil {
			return err
		}
		h, err := buildHuffman(counts, vals)
		if err != nil {
			return err
		}
		if tc == 0 {
			d.dc[th] = h
		} else {
			d.ac[th] = h
		}
		n -= 17 + total
	}
	return nil
}

func (d *decoder) readApp14(n int) error {
	if n < 12 {
		return d.src.skip(n)
	}
	var b [12]byte
	if err := d.src.readFull(b[:]); err != nil {
		return err
	}
	if string(b[:5]) == "Adobe" {
		d.adobe, d.adobeXform = true, b[11]
	}
	return d.src.skip(n - 12)
}
