//! Simulation rows as Parquet, streamed in row groups so memory stays
//! bounded by one group whatever the number of runs and steps.
//!
//! Columns: `point` and the swept params (when the scenario sweeps), `run`,
//! `step`, then each recorded column. Integers become a `DOUBLE` (the
//! nearest float, for analysis and plotting) and an exact decimal string
//! `<name>_exact` (wei are exact; pandas and polars read both); floats are
//! `DOUBLE`, booleans `BOOLEAN`, addresses and strings UTF-8. A value that
//! failed to evaluate is null, as it is empty in the CSV.

use std::fs::File;
use std::sync::Arc;

use parquet::basic::Compression;
use parquet::data_type::{BoolType, ByteArray, ByteArrayType, DoubleType, Int64Type};
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::parser::parse_message_type;
use tok_mir::Repr;
use tok_world::state::Value;
use tok_world::{format_value, to_f64};

/// Rows per row group.
const GROUP: usize = 65_536;

/// One buffered column.
enum Column {
    Int64(Vec<i64>),
    Text(Vec<ByteArray>, Vec<i16>),
    Double(Vec<f64>, Vec<i16>),
    Bool(Vec<bool>, Vec<i16>),
}

impl Column {
    fn clear(&mut self) {
        match self {
            Column::Int64(values) => values.clear(),
            Column::Text(values, levels) => {
                values.clear();
                levels.clear();
            }
            Column::Double(values, levels) => {
                values.clear();
                levels.clear();
            }
            Column::Bool(values, levels) => {
                values.clear();
                levels.clear();
            }
        }
    }
}

pub struct ParquetRows {
    writer: SerializedFileWriter<File>,
    /// Buffered columns in schema order.
    columns: Vec<Column>,
    /// The representation of each recorded column.
    reprs: Vec<Repr>,
    swept: usize,
    rows: usize,
}

/// Whether `path` names a Parquet file (by its `.parquet` extension), as
/// `tok sim --out`, `tok plot` and `tok merge` tell Parquet from CSV.
pub fn is_parquet(path: &std::path::Path) -> bool {
    path.extension().is_some_and(|e| e == "parquet")
}

fn error(e: impl std::fmt::Display) -> String {
    format!("cannot write Parquet: {e}")
}

/// A column name as a Parquet schema identifier.
fn field_name(name: &str) -> String {
    name.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

impl ParquetRows {
    pub fn create(
        file: File,
        swept: &[&str],
        columns: &[(&str, Repr)],
    ) -> Result<ParquetRows, String> {
        let mut schema = String::from("message tok_simulation {\n");
        let mut buffers = Vec::new();
        if !swept.is_empty() {
            schema.push_str("  required int64 point;\n");
            buffers.push(Column::Int64(Vec::new()));
            for name in swept {
                schema.push_str(&format!("  optional binary {} (UTF8);\n", field_name(name)));
                buffers.push(Column::Text(Vec::new(), Vec::new()));
            }
        }
        schema.push_str("  required int64 run;\n  required int64 step;\n");
        buffers.push(Column::Int64(Vec::new()));
        buffers.push(Column::Int64(Vec::new()));
        for (name, repr) in columns {
            let name = field_name(name);
            match repr {
                Repr::Int => {
                    schema.push_str(&format!("  optional double {name};\n"));
                    schema.push_str(&format!("  optional binary {name}_exact (UTF8);\n"));
                    buffers.push(Column::Double(Vec::new(), Vec::new()));
                    buffers.push(Column::Text(Vec::new(), Vec::new()));
                }
                Repr::Float => {
                    schema.push_str(&format!("  optional double {name};\n"));
                    buffers.push(Column::Double(Vec::new(), Vec::new()));
                }
                Repr::Bool => {
                    schema.push_str(&format!("  optional boolean {name};\n"));
                    buffers.push(Column::Bool(Vec::new(), Vec::new()));
                }
                Repr::Address | Repr::Str => {
                    schema.push_str(&format!("  optional binary {name} (UTF8);\n"));
                    buffers.push(Column::Text(Vec::new(), Vec::new()));
                }
            }
        }
        schema.push('}');
        let schema = Arc::new(parse_message_type(&schema).map_err(error)?);
        let properties = Arc::new(
            WriterProperties::builder()
                .set_compression(Compression::SNAPPY)
                .set_created_by("tok".to_string())
                .build(),
        );
        let writer = SerializedFileWriter::new(file, schema, properties).map_err(error)?;
        Ok(ParquetRows {
            writer,
            columns: buffers,
            reprs: columns.iter().map(|(_, repr)| *repr).collect(),
            swept: swept.len(),
            rows: 0,
        })
    }

    /// Buffers one row; writes a row group when the buffer is full.
    pub fn row(
        &mut self,
        point: Option<(usize, &[String])>,
        run: u64,
        step: u64,
        values: &[Option<Value>],
    ) -> Result<(), String> {
        let mut columns = self.columns.iter_mut();
        let mut next = || columns.next();
        if let Some((point, params)) = point {
            if let Some(Column::Int64(v)) = next() {
                v.push(point as i64);
            }
            for index in 0..self.swept {
                if let Some(Column::Text(v, levels)) = next() {
                    match params.get(index) {
                        Some(text) => {
                            v.push(ByteArray::from(text.as_str()));
                            levels.push(1);
                        }
                        None => levels.push(0),
                    }
                }
            }
        }
        for number in [run, step] {
            if let Some(Column::Int64(v)) = next() {
                v.push(number as i64);
            }
        }
        for (value, repr) in values.iter().zip(&self.reprs) {
            let present = i16::from(value.is_some());
            match repr {
                Repr::Int => {
                    if let Some(Column::Double(v, levels)) = next() {
                        levels.push(present);
                        if let Some(Value::Int(int)) = value {
                            v.push(to_f64(*int));
                        }
                    }
                    if let Some(Column::Text(v, levels)) = next() {
                        levels.push(present);
                        if value.is_some() {
                            v.push(ByteArray::from(format_value(*value).as_str()));
                        }
                    }
                }
                Repr::Float => {
                    if let Some(Column::Double(v, levels)) = next() {
                        levels.push(present);
                        if let Some(value) = value {
                            v.push(value.float());
                        }
                    }
                }
                Repr::Bool => {
                    if let Some(Column::Bool(v, levels)) = next() {
                        levels.push(present);
                        if let Some(value) = value {
                            v.push(value.bool());
                        }
                    }
                }
                Repr::Address | Repr::Str => {
                    if let Some(Column::Text(v, levels)) = next() {
                        levels.push(present);
                        if value.is_some() {
                            v.push(ByteArray::from(format_value(*value).as_str()));
                        }
                    }
                }
            }
        }
        self.rows += 1;
        if self.rows >= GROUP {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), String> {
        if self.rows == 0 {
            return Ok(());
        }
        let mut group = self.writer.next_row_group().map_err(error)?;
        for column in &mut self.columns {
            let Some(mut writer) = group.next_column().map_err(error)? else {
                return Err(error("schema and buffers disagree"));
            };
            match column {
                Column::Int64(v) => writer.typed::<Int64Type>().write_batch(v, None, None),
                Column::Text(v, levels) => {
                    writer
                        .typed::<ByteArrayType>()
                        .write_batch(v, Some(levels), None)
                }
                Column::Double(v, levels) => {
                    writer
                        .typed::<DoubleType>()
                        .write_batch(v, Some(levels), None)
                }
                Column::Bool(v, levels) => {
                    writer
                        .typed::<BoolType>()
                        .write_batch(v, Some(levels), None)
                }
            }
            .map_err(error)?;
            writer.close().map_err(error)?;
            column.clear();
        }
        group.close().map_err(error)?;
        self.rows = 0;
        Ok(())
    }

    pub fn finish(mut self) -> Result<(), String> {
        self.flush()?;
        self.writer.close().map_err(error)?;
        Ok(())
    }
}
