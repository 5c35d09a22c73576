"""Readable SDMX-CSV labels and the pre-flight check of files bound for the DataStore."""
import pytest

from ckanext.migration import tabular

from .conftest import fixture_bytes


def _header(*parts):
    return fixture_bytes(*parts).decode("utf-8").splitlines()[0].split(",")


def test_sdmx_csv_2_labels_come_from_the_files_own_label_columns():
    labels = tabular.column_labels(
        _header("eurostat", "data_MIGR_ASYAPPCTZA_sdmxcsv2_labels.csv"))
    assert labels["freq"] == "Time frequency"
    assert labels["citizen"] == "Country of citizenship"
    assert labels["geo"] == "Geopolitical entity (reporting)"
    assert labels["TIME_PERIOD"] == "Time"
    assert labels["OBS_VALUE"] == "Observation value"
    # the message's own columns and the label columns are not relabelled
    assert "STRUCTURE" not in labels and "STRUCTURE_NAME" not in labels
    assert "Time frequency" not in labels


def test_sdmx_csv_1_codes_get_the_concept_names():
    labels = tabular.column_labels(_header("eurostat", "data_MIGR_EIPRE_sdmxcsv1_labels.csv"))
    assert labels["freq"] == "Time frequency"
    assert labels["geo"] == "Geopolitical entity (reporting)"
    assert labels["OBS_VALUE"] == "Observation value"
    assert "DATAFLOW" not in labels and "LAST UPDATE" not in labels
    # a component the concepts file does not know keeps its code (no invented label)
    assert "apprehen" not in labels


def test_a_plain_csv_gets_no_sdmx_labels():
    assert tabular.column_labels(
        _header("unhcr", "refugee_data_finder_population_EU_plus_UK.csv")) == {}


def test_label_fields_keeps_a_label_set_in_the_data_dictionary():
    fields = [{"id": "DATAFLOW"}, {"id": "freq", "info": {"label": "Frequency (ours)"}},
              {"id": "geo"}]
    tabular.label_fields(fields)
    assert fields[1]["info"]["label"] == "Frequency (ours)"
    assert fields[2]["info"] == {"label": "Geopolitical entity (reporting)",
                                 "notes": "SDMX component geo"}
    assert "info" not in fields[0]


@pytest.fixture
def write(tmp_path):
    def _write(data: bytes, name="data.csv"):
        path = tmp_path / name
        path.write_bytes(data)
        return str(path)
    return _write


@pytest.mark.parametrize("parts,rows", [
    (("unhcr", "refugee_data_finder_population_EU_plus_UK.csv"), 425),
    (("eurostat", "data_MIGR_ASYAPPCTZA_sdmxcsv2_labels.csv"), 1080),
    (("eurostat", "data_MIGR_EIPRE_sdmxcsv1_labels.csv"), 2535),
])
def test_recorded_producer_files_pass(write, parts, rows):
    assert tabular.check_text_table(write(fixture_bytes(*parts))) == rows


def test_not_utf8_names_the_line_and_byte(write):
    data = "Year,Country\n2020,Germany\n2021,C\u00f4te d'Ivoire\n".encode("latin-1")
    with pytest.raises(tabular.LoadRefused) as e:
        tabular.check_text_table(write(data))
    assert "Not UTF-8: byte 0xf4 on line 3, column 7" in str(e.value)


def test_broken_quoting_names_the_row_and_lines(write):
    data = b'Year,Country,Refugees\n2020,Germany,10\n2021,"Cote d\'Ivoire,20\n2022,France,30\n'
    with pytest.raises(tabular.LoadRefused) as e:
        tabular.check_text_table(write(data))
    # the quote opened on line 3 runs to the end of the file
    assert "Broken quoting in the row that starts on line 3: unexpected end of data" \
        in str(e.value)


def test_a_stray_quote_mid_file_is_located(write):
    # a quote closed in the middle of a field (strict CSV): the row began on line 2
    data = b'a,b\n1,"x\n2,y"z\n3,w\n'
    with pytest.raises(tabular.LoadRefused) as e:
        tabular.check_text_table(write(data))
    assert "Broken quoting in the row that starts on line 2: ',' expected after '\"'" \
        in str(e.value)


def test_a_short_row_is_refused_with_its_line(write):
    with pytest.raises(tabular.LoadRefused) as e:
        tabular.check_text_table(write(b"a,b,c\n1,2,3\n4,5\n"))
    assert "Row 2 (line 3) has 2 fields where the header has 3" in str(e.value)


def test_surplus_blank_cells_are_accepted(write):
    # spreadsheet exports append empty cells: xloader drops them, so do we
    assert tabular.check_text_table(write(b"a,b\n1,2,,\n3,4\n")) == 2


@pytest.mark.parametrize("data,why", [
    (b"<!DOCTYPE html><html><body>Not found</body></html>", "HTML page"),
    (b"%PDF-1.7\n...", "PDF document"),
    (b"", "empty"),
    (b"\x00\x01\x02binary", "binary file"),
])
def test_what_is_not_a_table_is_named(write, data, why):
    with pytest.raises(tabular.LoadRefused) as e:
        tabular.check_text_table(write(data))
    assert why in str(e.value)


def test_xlsx_is_checked_with_openpyxl(write):
    import io
    import openpyxl
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Year", "Refugees"])
    sheet.append([2020, 10])
    sheet.append([2021, 12])
    out = io.BytesIO()
    book.save(out)
    assert tabular.check_xlsx(write(out.getvalue(), "data.xlsx")) == 2
    with pytest.raises(tabular.LoadRefused) as e:
        tabular.check_xlsx(write(b"Year,Refugees\n2020,10\n", "data.xlsx"))
    assert "Not a readable XLSX workbook" in str(e.value)
