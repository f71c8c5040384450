"""Input problems in Chinese, translated when they are shown.

Every :class:`~pairmatch.InputIssue` is made in English, wherever it is made (the register
checks, the file reader, the policy); this module says it in Chinese from that English
text, so the English stays the one source of truth and a message made anywhere is
translated the same way. :data:`MESSAGES` holds one entry per message form: the English
form, with its variable parts as placeholders, and its Chinese. A message with no entry is
shown in English (and the coverage test of ``tests/test_messages_zh.py`` fails).

Placeholders, by their name without trailing digits (``{n}``, ``{n2}``, ...):

``{n}``
    a number (``3``, ``-90``, ``1,000,000``, ``1e-05``), kept.
``{value}``
    a rejected value as the register checks show it: a quoted near-miss or a number (kept),
    or their words for a value not shown (``the text given``, ``a large number``, ``a list``).
``{text}``
    anything, kept as it is: a header, a sheet's name, a list of them (only what the
    English message already shows).
``{file}``
    a file's name, kept, or the words for a file given without one (:data:`FILES`).
``{phrase}``
    one of the fixed pieces of :data:`PHRASES` (the help a field's message ends with).
``{clause}``
    another message, translated by this same table (``"...; {clause}"``).
``{shown}``
    a phrase of a needs or skills cell not understood, quoted (kept) or hidden
    (``a phrase of 5 characters``, said in Chinese).
``{needwords}``
    the vocabulary's keywords by need (``学业/学习 → study; ...``), the needs in Chinese.
``{type}``
    a Python type's name (``list``, ``float``), said as in :data:`TYPES`.
``{have}``
    a table's headers as a missing column's message lists them.

A translation only reorders the parts of the English message and adds fixed Chinese, so it
shows nothing the English does not: never a name, an id number or an address.

>>> message_in_chinese("95.0 must be a number from -90 to 90")
'95.0不符合要求：须为 -90 到 90 之间的数'
>>> message_in_chinese("something pairmatch does not know") is None
True
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache

from pairmatch.words import HEADERS, POLICY_LABELS, VALUES

__all__ = [
    "FIELDS",
    "FILES",
    "MESSAGES",
    "PHRASES",
    "TABLES",
    "TYPES",
    "field_in_chinese",
    "message_in_chinese",
    "table_in_chinese",
]

#: The tables (and other inputs) a problem may be in, in Chinese.
TABLES: dict[str, str] = {
    "input": "输入",
    "children": "儿童登记表",
    "volunteers": "爱心妈妈登记表",
    "table": "表格",
    "records": "记录",
    "policy": "结对规则",
    "options": "求解选项",
    "solver options": "求解选项",
    "the Matcher's options": "Matcher 的选项",
    "problem": "问题数据",
    "matrix": "矩阵参数",
    "matrices": "矩阵参数",
    "changes": "变更",
    "forbidden pairs": "禁止结对名单",
    "locked pairs": "锁定结对名单",
    "kept pairs": "保留结对名单",
    "end_pairs": "解除结对名单",
    "add_children": "新增儿童",
    "add_volunteers": "新增爱心妈妈",
    "edit_children": "修改儿童",
    "edit_volunteers": "修改爱心妈妈",
    "remove_children": "移除儿童",
    "remove_volunteers": "移除爱心妈妈",
}

#: The register columns and fields a problem may name, in Chinese (the columns pairmatch
#: writes are in :data:`pairmatch.labels.HEADERS`, the policy's settings in
#: :data:`pairmatch.labels.POLICY_LABELS`).
FIELDS: dict[str, str] = {
    "id": "编号",
    "needs": "帮扶需求",
    "skills": "特长",
    "lat": "纬度",
    "lon": "经度",
    "need_study": "学业需求",
    "need_life": "生活需求",
    "need_psychological": "心理需求",
    "need_safety": "安全需求",
    "skill_study": "学业帮扶能力",
    "skill_life": "生活帮扶能力",
    "skill_psychological": "心理帮扶能力",
    "skill_safety": "安全帮扶能力",
    "interests": "兴趣",
    "specialities": "特长",
    "guardian_consent": "监护人同意",
    "team_min": "帮扶小组最少人数",
    "team_max": "帮扶小组最多人数",
    "preferred_gender": "希望的爱心妈妈性别",
    "capacity": "可结对名额",
    "max_distance_km": "本人最远服务距离(公里)",
    "eligible": "符合条件",
    "active": "在岗",
}

#: What the file reader calls a file or table it was given without a name.
FILES: dict[str, str] = {
    "the file given": "所给的文件",
    "the table given": "所给的表格",
    # the command line's file arguments, named by their role
    "the children register (first argument)": "儿童登记表（第一个参数）",
    "the volunteer register (second argument)": "爱心妈妈登记表（第二个参数）",
    "the --forbidden file": "--forbidden 文件",
    "the --locked file": "--locked 文件",
    "the --policy file": "--policy 文件",
    "the output file (-o/--output)": "输出文件（-o/--output）",
    "the office vocabulary file given": "所给的词表文件",
    "the columns file given": "所给的表头对应文件",
}

#: Python types a message may name (``must be a text id, not a list``), in Chinese.
TYPES: dict[str, str] = {
    "str": "文本",
    "int": "整数",
    "float": "小数",
    "bool": "是/否值",
    "list": "列表",
    "tuple": "元组",
    "dict": "字典",
    "set": "集合",
    "frozenset": "集合",
    "bytes": "字节串",
    "bytearray": "字节串",
    "complex": "复数",
    "NoneType": "空值",
    "datetime": "日期时间",
    "date": "日期",
    "time": "时间",
    "timedelta": "时间长度",
    "Timestamp": "日期时间",
    "Timedelta": "时间长度",
    "Decimal": "小数",
    "Fraction": "分数",
    "DataFrame": "表格",
    "Series": "表格列",
    "ndarray": "数组",
}

#: Fixed pieces said inside several messages (the help at the end of a field's message).
PHRASES: dict[str, str] = {
    # pairmatch.model.vocab: BOOL_HELP, GENDER_HELP, CATEGORY_HELP, ID_HELP
    "true/false (also yes/no, 1/0, 是/否, 同意/不同意, 有/无, √/×)": (
        "是/否（也可写 同意/不同意、有/无、√/×、true/false、yes/no、1/0）"
    ),
    "、,; and white space (also full-width ，；)": "、,; 或空格（全角，；亦可）",
    "female or male (also f/m, 女/男), or empty": "女/男（也可写 female/male、f/m），或留空",
    "one of left_behind (留守儿童, 农村留守儿童), scattered_orphan (散居孤儿, 孤儿, 孤弃儿童), "
    "no_guardian_care (事实无人抚养儿童), other_difficulty (困境儿童, 其他困境儿童)": (
        "以下之一：留守儿童、农村留守儿童（left_behind），散居孤儿、孤儿、孤弃儿童"
        "（scattered_orphan），事实无人抚养儿童（no_guardian_care），困境儿童、其他困境儿童"
        "（other_difficulty）"
    ),
    "ids are text or whole numbers of at most 64 characters, without ';', control, "
    "zero-width or direction characters": (
        "编号须为文本或整数，最长64个字符，不能含有“;”、控制字符、零宽字符或文字方向字符"
    ),
    # pairmatch.files: what a file is, and the registers
    "a CSV file": "CSV 文件",
    "an Excel workbook": "Excel 工作簿",
    "a Parquet file": "Parquet 文件",
    "Parquet": "Parquet 文件",
    "a zip archive, as an Excel workbook (.xlsx) is": "zip 压缩包（Excel 工作簿 .xlsx 即是）",
    "an Excel 97-2003 workbook (.xls)": "Excel 97-2003 工作簿（.xls）",
    "text, as a CSV file is": "文本（CSV 文件即是）",
    "UTF-16 text (Excel's 'Unicode text')": "UTF-16 文本（Excel 的“Unicode 文本”）",
    "binary data: neither text, a workbook nor Parquet": (
        "二进制数据：既不是文本，也不是工作簿或 Parquet 文件"
    ),
    "neither a workbook, Parquet, nor UTF-8 or GB18030 text": (
        "既不是工作簿、Parquet 文件，也不是 UTF-8 或 GB18030 文本"
    ),
    "a children register": "儿童登记表",
    "a volunteer register": "爱心妈妈登记表",
    "a register": "登记表",
}

_N = r"[-+]?(?:\d[\d,]*(?:\.\d+)?(?:e[-+]?\d+)?|inf|nan)"
_RESAVE = "请将登记表重新导出为 .xlsx 或 CSV UTF-8 格式"

#: Every message form, English then Chinese: one entry per form, tried in order (the
#: first whose English matches the whole message is used).
MESSAGES: list[tuple[str, str]] = [
    # ------------------------------------------------ an office's registers (office/)
    ("the headers {text} all hold {text2}; keep one of them, or map the others elsewhere "
     "with columns={...}",
     "表头 {text} 都对应 {text2}；请只保留其中一列，或用 columns={...} 把其余列对应到别处"),
    ("both {text} and {text2} are given; keep one", "{text} 与 {text2} 同时给出；请只保留一列"),
    ("{text} and the level columns {text2} are both given; keep one",
     "{text} 与分级列 {text2} 同时给出；请只保留一种"),
    ("{shown} names no need pairmatch knows; the words are {needwords}; add yours with "
     "OfficeVocabulary().extend(needs={...})",
     "{shown}不是可识别的需求；可识别的词为 {needwords}；如需增加，请用 "
     "OfficeVocabulary().extend(needs={...})"),
    ("{shown} names no skill pairmatch knows; the words are {needwords}; add yours with "
     "OfficeVocabulary().extend(needs={...})",
     "{shown}不是可识别的特长；可识别的词为 {needwords}；如需增加，请用 "
     "OfficeVocabulary().extend(needs={...})"),
    ("{value} must be a number from {n} to {n2}; the latitude (纬度) and longitude (经度) look "
     "swapped: in China latitude is 18 to 54 and longitude 73 to 135",
     "{value}不符合要求：须为 {n} 到 {n2} 之间的数；纬度与经度似乎填反了：中国境内纬度为 18 到 "
     "54，经度为 73 到 135"),
    ("and lon are both 0, a point in the Atlantic Ocean: a blank coordinate saved as 0? give "
     "the record's real place",
     "与经度均为 0（大西洋中的一点）：是否把空白坐标存成了 0？请填写该记录的实际位置"),
    ("was saved as a number in scientific notation and has lost its last digits; set the "
     "column's format to text in Excel or WPS and type the ID numbers again",
     "被存成了科学计数法的数字，末几位已丢失；请在 Excel 或 WPS 中把该列设为文本格式后重新录入"),
    ("{file} is neither UTF-8 nor GB18030 (GBK) text: it looks like {text} text (line {n} "
     "holds the first byte that is not UTF-8); save it as 'CSV UTF-8' (Excel, WPS: Save As) "
     "or as .xlsx",
     "{file} 既不是 UTF-8 也不是 GB18030（GBK）文本：看起来是 {text} 编码（第{n}行有第一个"
     "非 UTF-8 字节）；请另存为“CSV UTF-8”（Excel、WPS：另存为）或 .xlsx"),
    ("{file} is neither UTF-8 nor GB18030 (GBK) text: it is no text pairmatch knows (line {n} "
     "holds the first byte that is not UTF-8); save it as 'CSV UTF-8' (Excel, WPS: Save As) "
     "or as .xlsx",
     "{file} 既不是 UTF-8 也不是 GB18030（GBK）文本，也不是 pairmatch 认得的文本（第{n}行有第一个"
     "非 UTF-8 字节）；请另存为“CSV UTF-8”（Excel、WPS：另存为）或 .xlsx"),
    # ------------------------------------------------ a row's place in a workbook (io.py)
    ("{clause} (sheet {text}, spreadsheet row {n})", "{clause}（工作表 {text}，表格第{n}行）"),
    # ------------------------------------------------ ids (pairmatch.model.vocab)
    ("is missing; every record needs an id", "缺失；每条记录都必须有编号"),
    ("is a yes/no value, not an id; {phrase}", "是一个是/否值，不是编号；{phrase}"),
    ("is a number with a fraction, not an id; {phrase}", "是带小数的数，不是编号；{phrase}"),
    ("must be a text id, not a {type}; {phrase}", "须为文本编号，不能是{type}；{phrase}"),
    ("contains a control, zero-width or direction character; {phrase}",
     "含有控制字符、零宽字符或文字方向字符；{phrase}"),
    ("contains ';', which separates ids in the ledger's lists",
     "含有“;”，而台账中用它分隔多个编号"),
    ("is {n} characters long; {phrase}", "长达{n}个字符；{phrase}"),
    ("reads as a yes/no or missing value, not an id; {phrase}",
     "会被读作是/否值或空值，不能作编号；{phrase}"),
    ("reads as a number with a sign, point or exponent; write the id as the register does "
     "(42, not 42.0); {phrase}",
     "会被读作带正负号、小数点或指数的数；请按登记表原样填写编号（42，而不是 42.0）；{phrase}"),
    ("duplicate id, first used at row {n}", "编号重复，第{n}行已使用过该编号"),
    # ------------------------------------------------ values (pairmatch.model.tables, vocab)
    ("must be {phrase}", "须为{phrase}"),
    ("is missing; must be {phrase}", "缺失；须为{phrase}"),
    ("{value} must be {phrase}", "{value}不符合要求：须为{phrase}"),
    ("is missing; must be a whole number from {n} to {n2}", "缺失；须为 {n} 到 {n2} 之间的整数"),
    ("{value} must be a whole number from {n} to {n2}",
     "{value}不符合要求：须为 {n} 到 {n2} 之间的整数"),
    ("{value} must be a whole number from {n} to {n2} or blank",
     "{value}不符合要求：须为 {n} 到 {n2} 之间的整数，或留空"),
    ("{value} must be a number from {n} to {n2}", "{value}不符合要求：须为 {n} 到 {n2} 之间的数"),
    ("{value} must be a number > 0 or blank (no personal limit)",
     "{value}不符合要求：须为大于 0 的数，或留空（本人没有距离限制）"),
    ("is missing; coordinates are WGS84 degrees", "缺失；坐标须为 WGS84 经纬度（度）"),
    ("is missing; the county that owns the record is required", "缺失；须填写该记录所属的县"),
    ("is larger than team_max", "大于帮扶小组最多人数(team_max)"),
    ("team_min is larger than team_max", "帮扶小组最少人数(team_min)大于最多人数(team_max)"),
    ("must be text with tags separated by {phrase}", "须为文本，多个标签用{phrase}分隔"),
    ("tags must be text", "标签须为文本"),
    # ------------------------------------------------ columns (pairmatch.model.tables)
    ("required column is missing (have: {have})", "缺少必需的列（现有列：{have}）"),
    ("required column is missing", "缺少必需的列"),
    ("looks like a misspelling of {text}, which is missing; rename the column, or map it "
     "with columns={...}",
     "疑似 {text} 的拼写错误（该列缺失）；请重命名该列，或用 columns={...} 指定对应关系"),
    ("appears more than once; rename or drop the copies", "出现了不止一次；请重命名或删除重复的列"),
    ("the columns at positions {text} (counting from 0) have the same header; rename or drop "
     "the copies",
     "第 {text} 列（从 0 起算）的表头相同；请重命名或删除重复的列"),
    # ------------------------------------------------ files (pairmatch.files, io)
    ("cannot tell the format of {file} from its suffix {text2}; use one of {text3} or pass a "
     "DataFrame",
     "无法从后缀 {text2} 判断 {file} 的格式；请使用以下后缀之一：{text3}，或直接传入 DataFrame"),
    ("{file} could not be decoded with the encoding it was opened with; open it in binary "
     "mode ('rb') and pairmatch reads UTF-8 or GB18030",
     "{file} 无法按打开时指定的编码解码；请以二进制方式（'rb'）打开，pairmatch 会按 UTF-8 或 "
     "GB18030 读取"),
    ("{file} gave {type}, not bytes or text", "{file} 读出的是{type}，不是字节或文本"),
    ("{file} is empty: a register needs a header row naming its columns, then one row per "
     "record",
     "{file} 是空文件：登记表须先有一行表头写明各列名称，其后每条记录占一行"),
    ("{file} is empty: it has no header row", "{file} 是空的：没有表头行"),
    ("{file} holds no header row (only blank lines)", "{file} 没有表头行（只有空行）"),
    ("{file} is an Excel 97-2003 workbook, or one locked with a password; open it in Excel or "
     "WPS, remove any password, and save it as .xlsx",
     "{file} 是 Excel 97-2003 工作簿，或设有密码；请用 Excel 或 WPS 打开，取消密码，另存为 .xlsx"),
    ("{file} was opened as text; open Excel files in binary mode",
     "{file} 是以文本方式打开的；Excel 文件须以二进制方式打开"),
    ("{file} should be {phrase} but is {phrase2}; {clause}",
     "{file} 应为{phrase}，实际却是{phrase2}；{clause}"),
    ("rename it to {text}", "请将其改名为 {text}"),
    ("save it as 'CSV UTF-8' or as .xlsx", "请另存为“CSV UTF-8”或 .xlsx 格式"),
    ("export the register again as .xlsx or as CSV UTF-8", _RESAVE),
    ("{file} is neither UTF-8 text (line {n} holds a byte that is not UTF-8) nor GB18030 (GBK) "
     "text; save it as 'CSV UTF-8' (Excel, WPS: Save As) or as .xlsx",
     "{file} 既不是 UTF-8 文本（第{n}行有不属于 UTF-8 的字节），也不是 GB18030（GBK）文本；"
     "请另存为“CSV UTF-8”（Excel、WPS：另存为）或 .xlsx 格式"),
    ('{file}: a double quote (") in the row starting on line {n} is never closed, so the rest '
     "of the file would be one cell; close the quote or remove it",
     '{file}：从第{n}行开始的那一行中有一个双引号（"）没有闭合，文件其余部分会被读成一个单元格；'
     "请补上或删去该引号"),
    ("{file} could not be read as comma-separated text; {clause}",
     "{file} 无法作为逗号分隔的文本读取；{clause}"),
    ("line {n} of {file} has {n2} fields but the header has {n3}: a cell that holds a comma "
     "must be in double quotes, or the row has a cell too many",
     "{file} 第{n}行有{n2}个字段，而表头只有{n3}个：含逗号的单元格须加双引号，"
     "否则就是该行多了单元格"),
    ("{file} has no sheet {text2}; its sheets are {text3}",
     "{file} 中没有工作表 {text2}；其工作表为 {text3}"),
    ("sheet= takes a sheet's name, its 0-based index or 'all', not {text}",
     "sheet= 须为工作表名称、从 0 起算的序号或 'all'，不能是 {text}"),
    ("sheet= is for workbooks; leave it out", "sheet= 只用于 Excel 工作簿；请去掉该参数"),
    ("{file} is {phrase}, which has no sheets; leave sheet= out",
     "{file} 是{phrase}，没有工作表；请去掉 sheet= 参数"),
    ("no sheet of {file} looks like {phrase} (a header row with an id column or most of the "
     "register's columns); its sheets are {text2}; choose one with sheet=..., or map the "
     "headers with columns={...}",
     "{file} 中没有像{phrase}的工作表（表头含编号列，或含登记表的大部分列）；其工作表为 "
     "{text2}；请用 sheet=... 选择一个，或用 columns={...} 指定表头的对应关系"),
    ("several sheets of {file} look like {phrase}: {text2}; pass sheet=<name> to read one, or "
     "sheet='all' to read them together",
     "{file} 中有多个工作表像{phrase}：{text2}；请用 sheet=<名称> 读取其中一个，"
     "或用 sheet='all' 一并读取"),
    ("sheets {text} and {text2} of {file} have different columns (only in one: {text3}); give "
     "them the same header row, or read them one at a time with sheet=...",
     "{file} 的工作表 {text} 与 {text2} 的列不同（只在其中一个里有：{text3}）；"
     "请使两者表头一致，或用 sheet=... 逐个读取"),
    ("{file} holds no columns; {clause}", "{file} 中没有任何列；{clause}"),
    ("{file} needs the package {text2} to be read; install it, or save the workbook "
     "as .xlsx",
     "读取 {file} 需要安装包 {text2}；请安装它，或将工作簿另存为 .xlsx"),
    ("{file} could not be read as {phrase} ({text2}); {clause}",
     "{file} 无法作为{phrase}读取（{text2}）；{clause}"),
    ("the header of {file} names this column more than once (columns {text2}); rename or "
     "remove the copies",
     "{file} 的表头中该列出现了不止一次（第 {text2} 列）；请重命名或删除重复的列"),
    # ------------------------------------------------ records and policy (pydantic's words)
    ("{clause} (at {text})", "{clause}（位于 {text}）"),
    ("Field required", "必须填写"),
    ("Input should be greater than {n}", "须大于 {n}"),
    ("Input should be greater than or equal to {n}", "须大于或等于 {n}"),
    ("Input should be less than {n}", "须小于 {n}"),
    ("Input should be less than or equal to {n}", "须小于或等于 {n}"),
    ("Input should be a finite number", "须为有限的数"),
    ("Input should be a valid number", "须为数"),
    ("Input should be a valid number, unable to parse string as a number",
     "须为数，所填文字无法读作数"),
    ("Input should be a valid integer", "须为整数"),
    ("Input should be a valid integer, got a number with a fractional part",
     "须为整数，所填的数带有小数"),
    ("Input should be a valid integer, unable to parse string as an integer",
     "须为整数，所填文字无法读作整数"),
    ("Input should be a valid boolean", "须为是/否值"),
    ("Input should be a valid string", "须为文本"),
    ("Input should be a valid dictionary", "须为字典"),
    ("Input should be a valid tuple", "须为元组"),
    ("Input should be a valid list", "须为列表"),
    ("Extra inputs are not permitted", "不接受这一项"),
    ("{n} {unknown}; use {text}", "有 {n} 个{unknown}；可用的有：{text}"),
    ("unknown setting (did you mean {text}?)", "未知的设置项（是否应为 {text}？）"),
    ("a key that is not a setting; the settings are {text}", "不是设置项；设置项有：{text}"),
    ("must be a pm.Policy or a dict of its settings (a JSON object), not a {type}",
     "须为 pm.Policy 或其设置项组成的字典（JSON 对象），不能是{type}"),
    ("smallest team {n} is larger than largest {n2}", "帮扶小组最少 {n} 人，大于最多的 {n2} 人"),
    ("must be a fraction with a denominator of at most 100 (such as 0.5 or 1/3); the nearest "
     "is {text}",
     "须为分母不超过 100 的分数（如 0.5 或 1/3）；最接近的是 {text}"),
    # ------------------------------------------------ pairs (pairmatch.registry)
    ("no child with this id", "没有这个编号的儿童"),
    ("no volunteer with this id", "没有这个编号的爱心妈妈"),
    ("must be a (child_id, volunteer_id) pair", "须为（儿童编号 child_id，爱心妈妈编号 "
     "volunteer_id）一对"),
    ("must be a list of (child_id, volunteer_id) pairs, or a table with the columns child_id "
     "and volunteer_id",
     "须为（child_id, volunteer_id）编号对的列表，或含 child_id 和 volunteer_id 两列的表格"),
    # ------------------------------------------------ the command line (cli.py)
    ("{file} does not exist; check its path", "{file}不存在；请检查路径"),
    ("{file} is a folder; give the file in it", "{file}是一个文件夹；请给出其中的文件"),
    ("{file} is not a regular file; give a .csv, .xlsx or .parquet file",
     "{file}不是普通文件；请给出 .csv、.xlsx 或 .parquet 文件"),
    ("{file} must end in .xlsx, .csv or .parquet (the ledger's format)",
     "{file}须以 .xlsx、.csv 或 .parquet 结尾（台账的格式）"),
    ("{file} is a folder; give a file name ending in .xlsx, .csv or .parquet",
     "{file}是一个文件夹；请给出以 .xlsx、.csv 或 .parquet 结尾的文件名"),
    ("{file} exists and is not a regular file; choose another name",
     "{file}已存在且不是普通文件；请换一个文件名"),
    ("{file} would be inside a file, not a folder; check its path",
     "{file}的位置在一个文件里而不是文件夹里；请检查路径"),
    ("{file} cannot be written there (no permission, or a read-only or special file system); "
     "choose another folder",
     "{file}无法写在那里（没有权限，或是只读、特殊的文件系统）；请换一个文件夹"),
    ("{file} cannot be read as a table: {clause}", "{file}无法作为表格读取：{clause}"),
    ("--columns: {clause}", "--columns：{clause}"),
    ("--vocabulary: {clause}", "--vocabulary：{clause}"),
    ("{file} does not exist; check the folder and the name", "{file}不存在；请检查文件夹和文件名"),
    ("{clause}; see '{text} --help'", "{clause}；参见“{text} --help”"),
    ("the following arguments are required: {text}", "缺少以下参数：{text}"),
    ("unrecognized arguments: {text}", "无法识别的参数：{text}"),
    ("unrecognized arguments", "无法识别的参数"),
]  # fmt: skip


# ---------------------------------------------------------------- the placeholders
def _value(text: str) -> str | None:
    """A rejected value as the register checks show it (tables.py ``_show``)."""
    if text == "the text given":
        return "所填文字"
    if text == "a large number":
        return "一个过大的数"
    if text.startswith("'") or text.startswith('"') or re.fullmatch(_N, text):
        return text
    if text in ("True", "False"):
        return text
    if text.startswith(("a ", "an ")):
        kind = _type(text.split(" ", 1)[1])
        return None if kind is None else f"一个{kind}"
    return None


def _type(text: str) -> str | None:
    return TYPES.get(text, f"{text} 类型的值")


def _have(text: str) -> str | None:
    """A table's headers as a missing column's message lists them (tables.py)."""
    if text == "no columns":
        return "没有任何列"
    m = re.fullmatch(r"(?:(.*), )?(\d+) other columns?", text)
    if m is None:
        return text
    return f"{m[1]}，另有{m[2]}列" if m[1] else f"另有{m[2]}列"


def _file(text: str) -> str:
    """A file's name as the reader says it: kept, but for a sheet of a workbook
    (``sheet 'A' of c.xlsx``) and a file given without a name."""
    m = re.fullmatch(r"sheet ('.*') of (.+)", text, re.DOTALL)
    if m:
        return f"{m[2]} 的工作表 {m[1]}"
    return FILES.get(text, text)


def _unknown(text: str) -> str | None:
    """``unknown settings: 'x' (did you mean 'y'?)`` (policy.py ``_unknown``), after the
    count."""
    m = re.fullmatch(r"unknown (setting|need category)s?(?:: (.+))?", text, re.DOTALL)
    if m is None:
        return None
    what = {"setting": "设置项", "need category": "需求类别"}[m[1]]
    named = re.sub(r" \(did you mean ('[^']*')\?\)", r"（是否应为 \1？）", m[2] or "")
    return f"未知的{what}：{named}" if named else f"未知的{what}"


def _shown(text: str) -> str:
    """A phrase not understood as the office readers show it: quoted, or hidden as
    ``a phrase of 5 characters`` (translate._Shown)."""
    m = re.fullmatch(r"a phrase of (\d+) characters", text)
    return f"一个{m[1]}字的词语（可能含个人信息，未显示原文）" if m else text + " "


def _need_words(text: str) -> str | None:
    """The vocabulary's keywords as the office readers list them (``学业/学习 → study;
    生活/照料 → life``), the needs said in Chinese."""
    parts = []
    for part in text.split("; "):
        words, arrow, need = part.rpartition(" → ")
        if not arrow:
            return None
        parts.append(f"{words} → {VALUES['need'].get(need, need)}")
    return "；".join(parts)


def _phrase(text: str) -> str | None:
    return PHRASES.get(text)


_KINDS: dict[str, tuple[str, Callable[[str], str | None]]] = {
    "n": (_N, lambda s: s),
    "value": (r".+?", _value),
    "text": (r".+?", lambda s: s),
    "file": (r".+?", lambda s: _file(s)),
    "type": (r"[A-Za-z_][\w.]*", _type),
    "have": (r".+", _have),
    "unknown": (r"unknown .+?", _unknown),
    "clause": (r".+", lambda s: message_in_chinese(s)),
    "shown": (r"'.*?'|\".*?\"|a phrase of \d+ characters", _shown),
    "needwords": (r".+?", _need_words),
}
_HOLE = re.compile(r"\{([a-z]+)(\d*)\}")


@cache
def _compiled() -> list[tuple[re.Pattern[str], str, dict[str, Callable[[str], str | None]]]]:
    phrases = "|".join(map(re.escape, sorted(PHRASES, key=len, reverse=True)))
    kinds = _KINDS | {"phrase": (f"(?:{phrases})", _phrase)}
    out = []
    for english, chinese in MESSAGES:
        parts, said, last = [], {}, 0
        for hole in _HOLE.finditer(english):
            name = hole[1] + hole[2]
            pattern, say = kinds[hole[1]]
            parts += [re.escape(english[last : hole.start()]), f"(?P<{name}>{pattern})"]
            said[name] = say
            last = hole.end()
        parts.append(re.escape(english[last:]))
        out.append((re.compile("".join(parts), re.DOTALL), chinese, said))
    return out


def _spaced(a: str, b: str) -> bool:
    """Whether a space goes between ``a`` and ``b``: a Chinese character beside a Latin
    letter or digit (``应为 CSV 文件``)."""

    def latin(c: str) -> bool:
        return c.isascii() and c.isalnum()

    def chinese(c: str) -> bool:
        return "\u4e00" <= c <= "\u9fff"

    return bool(a and b) and ((latin(a) and chinese(b)) or (chinese(a) and latin(b)))


def message_in_chinese(message: str) -> str | None:
    """An input problem's message (:attr:`InputIssue.message`) in Chinese, or None when
    :data:`MESSAGES` has no entry for its form."""
    for pattern, chinese, said in _compiled():
        m = pattern.fullmatch(message)
        if m is None:
            continue
        parts = {name: say(m[name]) for name, say in said.items()}
        if None in parts.values():
            continue
        out = chinese
        for name, part in parts.items():
            text, hole = str(part), "{" + name + "}"
            if name.startswith("phrase"):
                at = out.index(hole)
                before, after = out[at - 1 : at], out[at + len(hole) : at + len(hole) + 1]
                text = (" " if _spaced(before, text[0]) else "") + text
                text += " " if _spaced(text[-1], after) else ""
            out = out.replace(hole, text)
        return out
    return None


def table_in_chinese(table: str) -> str:
    """The table a problem is in (:attr:`InputIssue.table`), or what an error is about
    (``"children and volunteers"``, a file's name), in Chinese; a name this module does
    not know (a file's) is kept."""
    if table in TABLES:
        return TABLES[table]
    parts = table.split(" and ")
    if len(parts) > 1 and all(p in TABLES for p in parts):
        return "和".join(TABLES[p] for p in parts)
    return _file(table)


_NESTED = {"needs": "need_", "skills": "skill_", "location": "", "jurisdiction": ""}


def field_in_chinese(field: str, table: str = "") -> str:
    """A field a problem names, in Chinese with its column name (``纬度（lat）``); a field
    this module does not know (a user's own header) is quoted as the English does."""
    group, _, part = field.partition(".")  # a record's nested field: needs.study
    name = _NESTED.get(group, group) + part if part else field
    words = POLICY_LABELS.get(field) if table == "policy" else None
    words = words or FIELDS.get(name) or HEADERS.get(name)
    return f"{words}（{field}）" if words else repr(field)
