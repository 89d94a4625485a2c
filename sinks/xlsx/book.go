package xlsx

import (
	"archive/zip"
	"fmt"
	"io"

	"github.com/xuri/excelize/v2"

	"keysync/sinks/columns"
	keysync "keysync/sync"
)

// maxPersons is what one sheet holds below its header: Excel's limit is
// 1,048,576 rows.
const maxPersons = 1_048_575

// book is a workbook being streamed: one sheet, its styles and the row
// reused for every person.
type book struct {
	w     io.Writer
	f     *excelize.File
	sw    *excelize.StreamWriter
	sheet string
	cols  []columns.Column
	lang  columns.Lang
	text  int
	date  int
	row   []any
	rows  int
}

// newBook names the sheet, makes the styles and writes everything that
// must come before the first row: frozen header, column styles and widths,
// the header. The sheet has no <dimension>: it is written before the rows
// are known, and readers that trust it (openpyxl's streaming reader) would
// cut the rows at a guess; without it they read every row.
func newBook(w io.Writer, cfg Config) (*book, error) {
	f := excelize.NewFile(excelize.Options{TmpDir: cfg.TmpDir})
	b := &book{w: w, f: f, cols: cfg.Columns, lang: cfg.Lang, sheet: sheetName(cfg.Lang), row: make([]any, len(cfg.Columns))}
	if err := b.start(); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("start the sheet: %w", err)
	}
	return b, nil
}

func (b *book) start() error {
	f := b.f
	if err := f.SetSheetName("Sheet1", b.sheet); err != nil {
		return err
	}
	if err := b.makeStyles(); err != nil {
		return err
	}
	if err := f.SetSheetDimension(b.sheet, ""); err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(b.sheet)
	if err != nil {
		return err
	}
	b.sw = sw
	if err := b.layout(); err != nil {
		return err
	}
	return b.header()
}

func sheetName(l columns.Lang) string {
	if l == columns.English {
		return "Persons"
	}
	return "Personen"
}

// makeStyles makes the text style ("@": ids, postcodes and phone numbers
// stay text when edited) and the date style.
func (b *book) makeStyles() error {
	var err error
	if b.text, err = b.f.NewStyle(&excelize.Style{NumFmt: 49}); err != nil {
		return err
	}
	dateFormat := "dd.mm.yyyy"
	b.date, err = b.f.NewStyle(&excelize.Style{CustomNumFmt: &dateFormat})
	return err
}

func (b *book) style(c columns.Column) int {
	if c.Kind == columns.Date {
		return b.date
	}
	return b.text
}

// layout freezes the header and sets each column's style and width. The
// widths go from the last column to the first: excelize lists the latest
// call first, and readers such as exceljs drop the properties of columns
// listed out of order.
func (b *book) layout() error {
	if err := b.sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	for i := len(b.cols); i >= 1; i-- {
		if err := b.sw.SetColStyle(i, i, b.style(b.cols[i-1])); err != nil {
			return err
		}
		if err := b.sw.SetColWidth(i, i, b.cols[i-1].Width); err != nil {
			return err
		}
	}
	return nil
}

func (b *book) header() error {
	bold, err := b.f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, NumFmt: 49})
	if err != nil {
		return err
	}
	head := make([]any, len(b.cols))
	for i, c := range b.cols {
		head[i] = excelize.Cell{StyleID: bold, Value: c.Header(b.lang)}
	}
	return b.sw.SetRow("A1", head)
}

// Row writes one person's row. An empty value writes no cell; a date that
// is no date is kept as the text it is.
func (b *book) Row(p keysync.PersonRecord) error {
	if b.rows == maxPersons {
		return fmt.Errorf("more than %d persons do not fit on one Excel sheet", maxPersons)
	}
	for i, c := range b.cols {
		b.row[i] = nil
		if t, ok := c.Date(p); ok {
			b.row[i] = excelize.Cell{StyleID: b.date, Value: t}
		} else if v := c.Text(p, b.lang); v != "" {
			b.row[i] = excelize.Cell{StyleID: b.text, Value: v}
		}
	}
	b.rows++
	cell, err := excelize.CoordinatesToCellName(1, b.rows+1)
	if err != nil {
		return err
	}
	if err := b.sw.SetRow(cell, b.row); err != nil {
		return fmt.Errorf("write row of %s: %w", p.Number, err)
	}
	return nil
}

// Finish adds the table over header and rows, which gives the autofilter
// (the stream writer has no bare one), ends the sheet and writes the
// workbook. An empty list gets no table: a table needs a row below its
// header.
func (b *book) Finish() error {
	if err := b.table(); err != nil {
		return fmt.Errorf("finish the sheet: %w", err)
	}
	if err := b.sw.Flush(); err != nil {
		return fmt.Errorf("finish the sheet: %w", err)
	}
	return save(b.f, b.w)
}

// Close removes the spooled sheet.
func (b *book) Close() error { return b.f.Close() }

func (b *book) table() error {
	if b.rows > 0 {
		last, err := excelize.CoordinatesToCellName(len(b.cols), b.rows+1)
		if err != nil {
			return err
		}
		t := &excelize.Table{Range: "A1:" + last, Name: b.sheet, StyleName: "TableStyleLight9"}
		return b.sw.AddTable(t)
	}
	return nil
}

// save writes the workbook's zip straight into w. excelize's own Write
// builds the whole zip in memory first (hundreds of MiB for a million
// persons); with our zip writer its buffer stays empty, which is checked,
// because this relies on how WriteToBuffer hands its buffer on.
func save(f *excelize.File, w io.Writer) error {
	f.SetZipWriter(func(io.Writer) excelize.ZipWriter { return zip.NewWriter(w) })
	buf, err := f.WriteToBuffer()
	if err != nil {
		return fmt.Errorf("write the workbook: %w", err)
	}
	if buf.Len() != 0 {
		return fmt.Errorf("write the workbook: %d bytes went to memory instead of the file", buf.Len())
	}
	return nil
}
